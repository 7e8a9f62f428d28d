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
public sealed class CertPayload(CertEncoding encoding, byte[] data) : CertEncodedPayload(encoding, data)
{
    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.Certificate;

    /// <summary>The certificate data (a DER certificate for <see cref="CertEncoding.X509Signature"/>).</summary>
    public byte[] Data => EncodedData;

    /// <summary>Decodes the body.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out CertPayload payload, out IkeDecodeFailure failure)
    {
        bool ok = TrySplitBody(body, out CertEncoding encoding, out byte[] data, out failure);
        payload = ok ? new CertPayload(encoding, data) : null!;
        return ok;
    }
}
