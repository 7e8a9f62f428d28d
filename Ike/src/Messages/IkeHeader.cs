using System.Buffers.Binary;

namespace IpsecFw.Ike.Messages;

// RFC 7296 3.1
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       IKE SA Initiator's SPI                  |
// |                                                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       IKE SA Responder's SPI                  |
// |                                                               |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                          Message ID                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                            Length                             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>The fixed 28-byte IKE header (RFC 7296 3.1). An immutable value.</summary>
/// <param name="InitiatorSpi">IKE SA Initiator's SPI.</param>
/// <param name="ResponderSpi">IKE SA Responder's SPI (zero in the first IKE_SA_INIT request).</param>
/// <param name="NextPayload">Type of the first payload.</param>
/// <param name="MajorVersion">Major version (2).</param>
/// <param name="MinorVersion">Minor version (0 when sent; ignored on receipt).</param>
/// <param name="ExchangeType">Exchange type.</param>
/// <param name="Flags">I, V and R flags.</param>
/// <param name="MessageId">Message ID.</param>
/// <param name="Length">Length of the whole message, header included.</param>
public readonly record struct IkeHeader(
    ulong InitiatorSpi,
    ulong ResponderSpi,
    PayloadType NextPayload,
    byte MajorVersion,
    byte MinorVersion,
    ExchangeType ExchangeType,
    IkeHeaderFlags Flags,
    uint MessageId,
    uint Length)
{
    /// <summary>Offset of the initiator's SPI.</summary>
    public const int InitiatorSpiOffset = 0;

    /// <summary>Offset of the responder's SPI.</summary>
    public const int ResponderSpiOffset = InitiatorSpiOffset + sizeof(ulong);

    /// <summary>Offset of Next Payload.</summary>
    public const int NextPayloadOffset = ResponderSpiOffset + sizeof(ulong);

    /// <summary>Offset of the version byte (MjVer in the high nibble).</summary>
    public const int VersionOffset = NextPayloadOffset + 1;

    /// <summary>Offset of Exchange Type.</summary>
    public const int ExchangeTypeOffset = VersionOffset + 1;

    /// <summary>Offset of Flags.</summary>
    public const int FlagsOffset = ExchangeTypeOffset + 1;

    /// <summary>Offset of Message ID.</summary>
    public const int MessageIdOffset = FlagsOffset + 1;

    /// <summary>Offset of Length.</summary>
    public const int LengthOffset = MessageIdOffset + sizeof(uint);

    /// <summary>Size of the header.</summary>
    public const int Size = LengthOffset + sizeof(uint);

    /// <summary>True when the R flag is set.</summary>
    public bool IsResponse => (Flags & IkeHeaderFlags.Response) != 0;

    /// <summary>True when the I flag is set (sent by the original initiator).</summary>
    public bool IsFromInitiator => (Flags & IkeHeaderFlags.Initiator) != 0;

    /// <summary>
    /// Reads the header fields. Checks only that 28 bytes are there; version and length checks belong to
    /// <see cref="IkeMessage.TryDecode"/>, because a responder answers a wrong major version with the header's SPIs.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out IkeHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }

        byte version = source[VersionOffset];
        header = new IkeHeader(
            BinaryPrimitives.ReadUInt64BigEndian(source[InitiatorSpiOffset..]),
            BinaryPrimitives.ReadUInt64BigEndian(source[ResponderSpiOffset..]),
            (PayloadType)source[NextPayloadOffset],
            (byte)(version >> 4),
            (byte)(version & 0x0f),
            (ExchangeType)source[ExchangeTypeOffset],
            (IkeHeaderFlags)source[FlagsOffset],
            BinaryPrimitives.ReadUInt32BigEndian(source[MessageIdOffset..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[LengthOffset..]));
        return true;
    }

    /// <summary>Writes the header as it is (Length included; <see cref="MessageWriter"/> patches it later).</summary>
    public bool TryWrite(Span<byte> destination, out int written)
    {
        if (destination.Length < Size || MajorVersion > 0x0f || MinorVersion > 0x0f)
        {
            written = 0;
            return false;
        }

        BinaryPrimitives.WriteUInt64BigEndian(destination[InitiatorSpiOffset..], InitiatorSpi);
        BinaryPrimitives.WriteUInt64BigEndian(destination[ResponderSpiOffset..], ResponderSpi);
        destination[NextPayloadOffset] = (byte)NextPayload;
        destination[VersionOffset] = (byte)((MajorVersion << 4) | MinorVersion);
        destination[ExchangeTypeOffset] = (byte)ExchangeType;
        destination[FlagsOffset] = (byte)Flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[MessageIdOffset..], MessageId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[LengthOffset..], Length);
        written = Size;
        return true;
    }
}
