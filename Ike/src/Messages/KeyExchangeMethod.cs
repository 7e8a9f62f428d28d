namespace IpsecFw.Ike.Messages;

/// <summary>Transform type 4 identifiers, the Diffie-Hellman groups (IANA "Transform Type 4 - Key Exchange Method Transform IDs").</summary>
public enum KeyExchangeMethod : ushort
{
    /// <summary>NONE.</summary>
    None = 0,

    /// <summary>768-bit MODP (RFC 2409).</summary>
    Modp768 = 1,

    /// <summary>1024-bit MODP (RFC 2409).</summary>
    Modp1024 = 2,

    /// <summary>1536-bit MODP (RFC 3526).</summary>
    Modp1536 = 5,

    /// <summary>2048-bit MODP (RFC 3526).</summary>
    Modp2048 = 14,

    /// <summary>3072-bit MODP.</summary>
    Modp3072 = 15,

    /// <summary>4096-bit MODP.</summary>
    Modp4096 = 16,

    /// <summary>6144-bit MODP.</summary>
    Modp6144 = 17,

    /// <summary>8192-bit MODP.</summary>
    Modp8192 = 18,

    /// <summary>256-bit random ECP, NIST P-256 (RFC 5903).</summary>
    Ecp256 = 19,

    /// <summary>384-bit random ECP, NIST P-384 (RFC 5903).</summary>
    Ecp384 = 20,

    /// <summary>521-bit random ECP, NIST P-521 (RFC 5903).</summary>
    Ecp521 = 21,

    /// <summary>RFC 5114.</summary>
    Modp1024S160 = 22,

    /// <summary>RFC 5114.</summary>
    Modp2048S224 = 23,

    /// <summary>RFC 5114.</summary>
    Modp2048S256 = 24,

    /// <summary>RFC 5114.</summary>
    Ecp192 = 25,

    /// <summary>RFC 5114.</summary>
    Ecp224 = 26,

    /// <summary>RFC 6954.</summary>
    BrainpoolP224 = 27,

    /// <summary>RFC 6954.</summary>
    BrainpoolP256 = 28,

    /// <summary>RFC 6954.</summary>
    BrainpoolP384 = 29,

    /// <summary>RFC 6954.</summary>
    BrainpoolP512 = 30,

    /// <summary>RFC 8031.</summary>
    Curve25519 = 31,

    /// <summary>RFC 8031.</summary>
    Curve448 = 32,
}
