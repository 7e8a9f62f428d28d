namespace IpsecFw.Ike.Auth;

/// <summary>Settings of a <see cref="CertificateAuthenticator"/>. Immutable once handed over.</summary>
public sealed record CertificateAuthenticatorOptions
{
    /// <summary>How revocation is checked (default <see cref="RevocationPolicy.IfAvailable"/>).</summary>
    public RevocationPolicy Revocation { get; init; } = RevocationPolicy.IfAvailable;

    /// <summary>
    /// Fetches CRLs named by the peer's certificates' HTTP distribution points; null fetches nothing (configured CRLs
    /// only). The host passes an <see cref="HttpCrlFetcher"/>.
    /// </summary>
    public ICrlFetcher? CrlFetcher { get; init; }

    /// <summary>The clock for validity and CRL dates.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Accept AUTH method 1 (RSA PKCS#1 v1.5 over SHA-1) from peers (default true: older strongSwan sends it).</summary>
    public bool AcceptRsaSha1 { get; init; } = true;

    /// <summary>
    /// Sign with method 1 (SHA-1) when the peer announced no SIGNATURE_HASH_ALGORITHMS. strongSwan 5.9 does that
    /// (it falls back to the RFC 7296 method of the key type: 1 for RSA, 9/10/11 for ECDSA); by default we do not sign
    /// with SHA-1 and send method 14 with sha256WithRSAEncryption instead, which every RFC 7427 peer verifies (strongSwan
    /// 5.9 always announces the notify, so it never meets this fallback). ECDSA keys always fall back to 9/10/11.
    /// </summary>
    public bool AllowRsaSha1Signing { get; init; }

    /// <summary>
    /// Sign RSA method 14 with RSASSA-PSS instead of PKCS#1 v1.5 (strongSwan's <c>rsa_pss</c>, default no; strongSwan
    /// accepts both on verify, and so do we).
    /// </summary>
    public bool UseRsaPss { get; init; }

    /// <summary>When set, the peer's ID must equal it (else <see cref="AuthFailure.NotAllowed"/>).</summary>
    public LocalIdentity? ExpectedRemoteId { get; init; }

    /// <summary>Most CERT payloads accepted from a peer.</summary>
    public int MaxPeerCertificates { get; init; } = 8;

    /// <summary>Largest certificate accepted from a peer, in bytes.</summary>
    public int MaxCertificateSize { get; init; } = 16384;

    /// <summary>Time limit for the CRL fetches of one verification.</summary>
    public TimeSpan CrlFetchBudget { get; init; } = TimeSpan.FromSeconds(5);
}
