namespace IpsecFw.Ike.Auth;

/// <summary>The key type a signature scheme needs.</summary>
internal enum SignatureKeyType
{
    /// <summary>RSA.</summary>
    Rsa,

    /// <summary>ECDSA on a NIST prime curve.</summary>
    Ecdsa,
}
