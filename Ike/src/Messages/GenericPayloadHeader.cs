using System.Buffers.Binary;

namespace IpsecFw.Ike.Messages;

// RFC 7296 3.2
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>The 4-byte header in front of every payload (RFC 7296 3.2).</summary>
/// <param name="NextPayload">Type of the next payload (for SK: the first payload inside it).</param>
/// <param name="Critical">The critical bit: a receiver that does not know this payload must reject the message.</param>
/// <param name="PayloadLength">Length of the payload, this header included.</param>
public readonly record struct GenericPayloadHeader(PayloadType NextPayload, bool Critical, ushort PayloadLength)
{
    /// <summary>Offset of Next Payload.</summary>
    public const int NextPayloadOffset = 0;

    /// <summary>Offset of the byte holding the critical bit and the reserved bits.</summary>
    public const int FlagsOffset = NextPayloadOffset + 1;

    /// <summary>Offset of Payload Length.</summary>
    public const int PayloadLengthOffset = FlagsOffset + 1;

    /// <summary>Size of the header.</summary>
    public const int Size = PayloadLengthOffset + sizeof(ushort);

    /// <summary>The critical bit in the flags byte; the seven other bits are reserved (sent 0, ignored).</summary>
    public const byte CriticalBit = 0x80;

    /// <summary>Reads the header; false when fewer than 4 bytes remain.</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out GenericPayloadHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }

        header = new GenericPayloadHeader(
            (PayloadType)source[NextPayloadOffset],
            (source[FlagsOffset] & CriticalBit) != 0,
            BinaryPrimitives.ReadUInt16BigEndian(source[PayloadLengthOffset..]));
        return true;
    }

    /// <summary>Writes the header.</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        if (destination.Length < Size)
        {
            written = 0;
            return false;
        }

        destination[NextPayloadOffset] = (byte)NextPayload;
        destination[FlagsOffset] = Critical ? CriticalBit : (byte)0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[PayloadLengthOffset..], PayloadLength);
        written = Size;
        return true;
    }
}
