namespace IpsecFw.Ike.Messages;

/// <summary>Authentication methods (RFC 7296 3.8; IANA "IKEv2 Authentication Method").</summary>
public enum AuthMethod : byte
{
    /// <summary>RSA Digital Signature (PKCS#1 v1.5 over SHA-1).</summary>
    RsaDigitalSignature = 1,

    /// <summary>Shared Key Message Integrity Code.</summary>
    SharedKeyMessageIntegrityCode = 2,

    /// <summary>DSS Digital Signature.</summary>
    DssDigitalSignature = 3,

    /// <summary>ECDSA with SHA-256 on P-256 (RFC 4754).</summary>
    EcdsaSha256P256 = 9,

    /// <summary>ECDSA with SHA-384 on P-384 (RFC 4754).</summary>
    EcdsaSha384P384 = 10,

    /// <summary>ECDSA with SHA-512 on P-521 (RFC 4754).</summary>
    EcdsaSha512P521 = 11,

    /// <summary>Generic Secure Password Authentication Method (RFC 6467).</summary>
    GenericSecurePassword = 12,

    /// <summary>NULL Authentication (RFC 7619).</summary>
    NullAuthentication = 13,

    /// <summary>Digital Signature (RFC 7427).</summary>
    DigitalSignature = 14,
}
