namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.12
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                        Vendor ID (VID)                        ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>The Vendor ID payload (RFC 7296 3.12).</summary>
public sealed class VendorIdPayload(byte[] data) : IkePayload
{
    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.VendorId;

    /// <summary>The vendor ID bytes.</summary>
    public byte[] Data { get; } = data;

    /// <inheritdoc/>
    public override int GetBodyLength() => Data.Length;

    /// <summary>Decodes the body (any length).</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out VendorIdPayload payload, out IkeDecodeFailure failure)
    {
        payload = new VendorIdPayload(body.ToArray());
        failure = default;
        return true;
    }

    /// <inheritdoc/>
    public override bool TryWriteBody(Span<byte> destination, out int written)
    {
        written = Data.Length;
        if (destination.Length < written)
        {
            written = 0;
            return false;
        }

        Data.CopyTo(destination);
        return true;
    }
}
