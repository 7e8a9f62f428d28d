namespace IpsecFw.Ike.Auth;

/// <summary>Why a peer's authentication was refused. Each maps to AUTHENTICATION_FAILED on the wire.</summary>
public enum AuthFailure
{
    /// <summary>Not a failure.</summary>
    None = 0,

    /// <summary>Certificate authentication required but no CERT payload with an X.509 certificate.</summary>
    NoCertificate,

    /// <summary>A certificate could not be parsed.</summary>
    MalformedCertificate,

    /// <summary>The chain does not lead to a configured trust anchor (or a signature in the chain is wrong).</summary>
    UntrustedIssuer,

    /// <summary>A certificate in the chain is past its notAfter.</summary>
    Expired,

    /// <summary>A certificate in the chain is before its notBefore.</summary>
    NotYetValid,

    /// <summary>A certificate in the chain is revoked by a CRL.</summary>
    Revoked,

    /// <summary>Revocation was required and could not be determined (no CRL, CRL expired or badly signed).</summary>
    RevocationUnknown,

    /// <summary>Key usage or basic constraints forbid this use (e.g. an end entity used as CA, no digitalSignature).</summary>
    KeyUsage,

    /// <summary>The ID payload does not match the certificate (RFC 4945 3.1: DN, SAN DNS/e-mail/IP).</summary>
    IdentityMismatch,

    /// <summary>The AUTH method does not fit the key or is not supported.</summary>
    UnsupportedMethod,

    /// <summary>The AUTH value does not verify.</summary>
    BadSignature,

    /// <summary>The peer's ID or chain was refused by local configuration (e.g. not the expected remote identity).</summary>
    NotAllowed,

    /// <summary>Responder: no configured peer accepts the identity in IDi (RFC 7296 2.15: the configuration is chosen by it).</summary>
    NoMatchingPeer,
}
