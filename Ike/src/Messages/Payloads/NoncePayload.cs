namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.9
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// ~                            Nonce Data                         ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>The Nonce payload, Ni or Nr (RFC 7296 3.9): 16 to 256 bytes (RFC 7296 2.10).</summary>
public sealed class NoncePayload(byte[] data) : IkePayload
{
    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.Nonce;

    /// <summary>The nonce.</summary>
    public byte[] Data { get; } = data;

    /// <inheritdoc/>
    public override int GetBodyLength() => Data.Length;

    /// <summary>Decodes the body; a nonce outside 16..256 bytes is an error.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out NoncePayload payload, out IkeDecodeFailure failure)
    {
        if (body.Length is < IkeSpec.MinNonceLength or > IkeSpec.MaxNonceLength)
        {
            payload = null!;
            failure = new IkeDecodeFailure(IkeDecodeError.InvalidNonceLength, 0);
            return false;
        }

        payload = new NoncePayload(body.ToArray());
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
