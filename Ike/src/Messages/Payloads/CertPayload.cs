namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.6
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Cert Encoding |                                               |
// +-+-+-+-+-+-+-+-+                                               |
// ~                       Certificate Data                        ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>The Certificate payload (RFC 7296 3.6); the data is parsed later by the certificate code.</summary>
public sealed class CertPayload(CertEncoding encoding, byte[] data) : IkePayload
{
    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.Certificate;

    /// <summary>The certificate encoding.</summary>
    public CertEncoding Encoding { get; } = encoding;

    /// <summary>The certificate data (a DER certificate for <see cref="CertEncoding.X509Signature"/>).</summary>
    public byte[] Data { get; } = data;

    /// <inheritdoc/>
    public override int GetBodyLength() => 1 + Data.Length;

    /// <summary>Decodes the body.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out CertPayload payload, out IkeDecodeFailure failure)
    {
        if (body.IsEmpty)
        {
            payload = null!;
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedPayloadBody, 0);
            return false;
        }

        payload = new CertPayload((CertEncoding)body[0], body[1..].ToArray());
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

        destination[0] = (byte)Encoding;
        Data.CopyTo(destination[1..]);
        return true;
    }
}
