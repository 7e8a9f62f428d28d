namespace IpsecFw.Ike.Messages.Payloads;

// RFC 7296 3.7
//                      1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Next Payload  |C|  RESERVED   |         Payload Length        |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// | Cert Encoding |                                               |
// +-+-+-+-+-+-+-+-+                                               |
// ~                    Certification Authority                    ~
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+

/// <summary>
/// The Certificate Request payload (RFC 7296 3.7). For X.509 the Certification Authority field is a concatenation of
/// 20-byte SHA-1 hashes of CA public keys; <see cref="GetCaKeyHashes"/> splits it.
/// </summary>
public sealed class CertReqPayload(CertEncoding encoding, byte[] certificationAuthority) : CertEncodedPayload(encoding, certificationAuthority)
{
    /// <summary>Size of one CA key hash (SHA-1 of the SubjectPublicKeyInfo).</summary>
    public const int CaKeyHashSize = 20;

    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.CertificateRequest;

    /// <summary>The Certification Authority field as received.</summary>
    public byte[] CertificationAuthority => EncodedData;

    /// <summary>The CA key hashes; empty if the field is not a whole number of hashes.</summary>
    public IReadOnlyList<byte[]> GetCaKeyHashes()
    {
        if (CertificationAuthority.Length % CaKeyHashSize != 0)
        {
            return [];
        }

        return CertificationAuthority.Chunk(CaKeyHashSize).ToArray();
    }

    /// <summary>Decodes the body.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out CertReqPayload payload, out IkeDecodeFailure failure)
    {
        bool ok = TrySplitBody(body, out CertEncoding encoding, out byte[] data, out failure);
        payload = ok ? new CertReqPayload(encoding, data) : null!;
        return ok;
    }
}
