using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// What the IKE_AUTH exchange asks of the credential layer (RFC 7296 2.15, 3.5–3.8): this side's identity, certificates
/// and signature, and the verdict on the peer's. One instance per configured local identity; thread-safe.
/// </summary>
public interface IIkeAuthenticator
{
    /// <summary>The ID payload this side sends (IDi or IDr; the flag is set by the caller).</summary>
    LocalIdentity LocalId { get; }

    /// <summary>CERT payloads to send after the ID: end-entity first, then intermediates. Empty for PSK.</summary>
    IReadOnlyList<CertPayload> LocalCertificates { get; }

    /// <summary>
    /// The CERTREQ to send (RFC 7296 3.7: SHA-1 hashes of the trust anchors' SubjectPublicKeyInfo), or null for PSK.
    /// </summary>
    CertReqPayload? CertificateRequest { get; }

    /// <summary>
    /// Hash algorithms this side announces in SIGNATURE_HASH_ALGORITHMS (RFC 7427 4), empty to announce none.
    /// </summary>
    IReadOnlyList<ushort> SupportedSignatureHashes { get; }

    /// <summary>
    /// Computes this side's AUTH payload over <paramref name="signedOctets"/> (built by <see cref="SignedOctets"/>).
    /// <paramref name="peerSignatureHashes"/> are the hashes the peer announced (RFC 7427); empty when it sent none, in
    /// which case a signature uses the RFC 7296 method of the key type (1 or 9/10/11). <paramref name="prf"/> is the IKE
    /// SA's PRF (for PSK, RFC 7296 2.15).
    /// </summary>
    AuthPayload Sign(ReadOnlySpan<byte> signedOctets, IReadOnlyList<ushort> peerSignatureHashes, Prf prf);

    /// <summary>
    /// Verifies the peer: its certificate chain to a trust anchor (validity, key usage, revocation), the ID against the
    /// certificate, and the AUTH payload over <paramref name="signedOctets"/>. Never throws on hostile input.
    /// </summary>
    AuthVerification Verify(IdPayload peerId, IReadOnlyList<CertPayload> peerCertificates, AuthPayload auth,
        ReadOnlySpan<byte> signedOctets, Prf prf);
}
