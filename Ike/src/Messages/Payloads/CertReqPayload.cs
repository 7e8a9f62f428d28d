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
public sealed class CertReqPayload(CertEncoding encoding, byte[] certificationAuthority) : IkePayload
{
    /// <summary>Size of one CA key hash (SHA-1 of the SubjectPublicKeyInfo).</summary>
    public const int CaKeyHashSize = 20;

    /// <inheritdoc/>
    public override PayloadType Type => PayloadType.CertificateRequest;

    /// <summary>The requested certificate encoding.</summary>
    public CertEncoding Encoding { get; } = encoding;

    /// <summary>The Certification Authority field as received.</summary>
    public byte[] CertificationAuthority { get; } = certificationAuthority;

    /// <summary>The CA key hashes; empty if the field is not a whole number of hashes.</summary>
    public IReadOnlyList<byte[]> GetCaKeyHashes()
    {
        if (CertificationAuthority.Length % CaKeyHashSize != 0)
        {
            return [];
        }

        return CertificationAuthority.Chunk(CaKeyHashSize).ToArray();
    }

    /// <inheritdoc/>
    public override int GetBodyLength() => 1 + CertificationAuthority.Length;

    /// <summary>Decodes the body.</summary>
    public static bool TryRead(ReadOnlySpan<byte> body, out CertReqPayload payload, out IkeDecodeFailure failure)
    {
        if (body.IsEmpty)
        {
            payload = null!;
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedPayloadBody, 0);
            return false;
        }

        payload = new CertReqPayload((CertEncoding)body[0], body[1..].ToArray());
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
        CertificationAuthority.CopyTo(destination[1..]);
        return true;
    }
}
