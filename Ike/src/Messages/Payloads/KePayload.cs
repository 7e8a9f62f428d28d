using System.Buffers.Binary;

namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.4
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   Diffie-Hellman Group Num    |           RESERVED            |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                       Key Exchange Data                       ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>The Key Exchange payload (RFC 7296 3.4). The length of the data is checked against the group by the key exchange.</summary>
public sealed class KePayload(KeyExchangeMethod group, byte[] keyExchangeData) : IkePayload
{
    /// <summary>Offset of the Key Exchange Data in the body.</summary>
    public const int DataOffset = sizeof(ushort) + sizeof(ushort);

    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.KeyExchange;

    /// <summary>The Diffie-Hellman group (key exchange method).</summary>
    public KeyExchangeMethod Group { get; } = group;

    /// <summary>The public value.</summary>
    public byte[] KeyExchangeData { get; } = keyExchangeData;

    /// <inheritdoc/>
    public override int GetBodyLength() => DataOffset + KeyExchangeData.Length;

    /// <summary>Decodes the body.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out KePayload payload, out IkeDecodeFailure failure)
    {
        if (body.Length < DataOffset)
        {
            payload = null!;
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedPayloadBody, 0);
            return false;
        }

        payload = new KePayload((KeyExchangeMethod)BinaryPrimitives.ReadUInt16BigEndian(body), body[DataOffset..].ToArray());
        failure = default;
        return true;
    }

    /// <inheritdoc/>
    public override bool TryWriteBody(Span<byte> destination, out int written)
    {
        written = GetBodyLength();
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)Group);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        KeyExchangeData.CopyTo(destination[DataOffset..]);
        return true;
    }
}
