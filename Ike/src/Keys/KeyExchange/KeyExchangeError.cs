namespace IpsecFw.Ike.Keys.KeyExchange;

/// <summary>Why a peer's public value was refused. A refused value fails the exchange (INVALID_SYNTAX / no SA), never an exception.</summary>
public enum KeyExchangeError : byte
{
    /// <summary>No error.</summary>
    None,

    /// <summary>The KE payload's length is not the group's (RFC 7296 3.4: the length is fixed per group).</summary>
    InvalidPublicValueLength,

    /// <summary>A MODP value outside [2, p-2] (RFC 7296 5, NIST SP 800-56A 5.6.2.3.1), or an ECP coordinate not below p.</summary>
    PublicValueOutOfRange,

    /// <summary>An ECP point that is not on the curve (the invalid-curve attack).</summary>
    PointNotOnCurve,

    /// <summary>The shared point is the point at infinity.</summary>
    PointAtInfinity,

    /// <summary>An X25519 result of all zeros: a low-order peer value (RFC 8031 2, RFC 7748 6.1).</summary>
    AllZeroSharedSecret,
}
