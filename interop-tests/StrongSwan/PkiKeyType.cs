namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>The key type of a <see cref="TestPki"/> (CA and every certificate it issues).</summary>
public enum PkiKeyType
{
    /// <summary>ECDSA on NIST P-256, signatures with SHA-256.</summary>
    EcdsaP256,

    /// <summary>RSA 2048 (PKCS#1 v1.5 signatures with SHA-256); 2048 rather than 3072 keeps key generation short.</summary>
    Rsa2048,

    /// <summary>RSA 3072 (PKCS#1 v1.5 signatures with SHA-256), as the IKE issue's scenario 3 asks.</summary>
    Rsa3072,
}
