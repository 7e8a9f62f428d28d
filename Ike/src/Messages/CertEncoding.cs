namespace IpsecFw.Ike.Messages;

/// <summary>Certificate encodings (RFC 7296 3.6).</summary>
public enum CertEncoding : byte
{
    /// <summary>PKCS #7 wrapped X.509 certificate.</summary>
    Pkcs7WrappedX509 = 1,

    /// <summary>PGP Certificate.</summary>
    Pgp = 2,

    /// <summary>DNS Signed Key.</summary>
    DnsSignedKey = 3,

    /// <summary>X.509 Certificate - Signature.</summary>
    X509Signature = 4,

    /// <summary>Kerberos Token.</summary>
    Kerberos = 6,

    /// <summary>Certificate Revocation List (CRL).</summary>
    CertificateRevocationList = 7,

    /// <summary>Authority Revocation List (ARL).</summary>
    AuthorityRevocationList = 8,

    /// <summary>SPKI Certificate.</summary>
    SpkiCertificate = 9,

    /// <summary>X.509 Certificate - Attribute.</summary>
    X509Attribute = 10,

    /// <summary>Raw RSA Key (deprecated).</summary>
    RawRsaKey = 11,

    /// <summary>Hash and URL of X.509 certificate.</summary>
    HashAndUrlX509 = 12,

    /// <summary>Hash and URL of X.509 bundle.</summary>
    HashAndUrlX509Bundle = 13,

    /// <summary>OCSP Content (RFC 4806).</summary>
    OcspContent = 14,

    /// <summary>Raw Public Key (RFC 7670).</summary>
    RawPublicKey = 15,
}
