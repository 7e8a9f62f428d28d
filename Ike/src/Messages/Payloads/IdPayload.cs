namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.5
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |   ID Type     |                 RESERVED                      |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                   Identification Data                         ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>
/// The Identification payload, IDi or IDr (RFC 7296 3.5). The RESERVED bytes take part in the AUTH computation
/// (RFC 7296 2.15: RestOfInitIDPayload), so they are kept as received.
/// </summary>
public sealed class IdPayload : IkePayload
{
    /// <summary>Offset of the Identification Data in the body.</summary>
    public const int DataOffset = 4;

    private readonly PayloadType _type;

    /// <summary>An IDi (<paramref name="initiator"/>) or IDr payload.</summary>
    public IdPayload(bool initiator, IdType idType, byte[] data, uint reserved = 0)
    {
        _type = initiator ? PayloadType.IdentificationInitiator : PayloadType.IdentificationResponder;
        IdType = idType;
        Data = data;
        Reserved = reserved & 0x00ff_ffff;
    }

    /// <inheritdoc/>
    public override PayloadType Type => _type;

    /// <summary>The ID type.</summary>
    public IdType IdType { get; }

    /// <summary>The 24 reserved bits as received (zero when sent by us).</summary>
    public uint Reserved { get; }

    /// <summary>The identification data (address bytes, FQDN text, DER DN...).</summary>
    public byte[] Data { get; }

    /// <inheritdoc/>
    public override int GetBodyLength() => DataOffset + Data.Length;

    /// <summary>Decodes the body of an IDi or IDr.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, bool initiator, out IdPayload payload, out IkeDecodeFailure failure)
    {
        if (body.Length < DataOffset)
        {
            payload = null!;
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedPayloadBody, 0);
            return false;
        }

        uint reserved = (uint)((body[1] << 16) | (body[2] << 8) | body[3]);
        payload = new IdPayload(initiator, (IdType)body[0], body[DataOffset..].ToArray(), reserved);
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

        destination[0] = (byte)IdType;
        destination[1] = (byte)(Reserved >> 16);
        destination[2] = (byte)(Reserved >> 8);
        destination[3] = (byte)Reserved;
        Data.CopyTo(destination[DataOffset..]);
        return true;
    }
}
