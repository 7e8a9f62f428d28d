namespace IpsecFw.Host.Configuration;

/// <summary>How a peer certificate's revocation status is checked (JSON: <c>none</c>, <c>if-available</c>, <c>required</c>).</summary>
public enum RevocationPolicy
{
    /// <summary>Revocation is not checked.</summary>
    None,

    /// <summary>A certificate listed in a configured CRL is refused; a certificate without a CRL is accepted.</summary>
    IfAvailable,

    /// <summary>Every certificate of the chain needs a current CRL from its issuer, and must not be on it.</summary>
    Required,
}
