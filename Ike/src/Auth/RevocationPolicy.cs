namespace IpsecFw.Ike.Auth;

/// <summary>How certificate revocation (CRLs) is checked, like strongSwan's <c>revocation</c> setting.</summary>
public enum RevocationPolicy
{
    /// <summary>No revocation check.</summary>
    None,

    /// <summary>
    /// A valid CRL (configured or fetched from the certificate's HTTP CRL distribution point) is consulted when one is
    /// available; without one the certificate is accepted (strongSwan's <c>ifuri</c>/<c>relaxed</c>).
    /// </summary>
    IfAvailable,

    /// <summary>Every certificate below the trust anchor must be covered by a valid CRL (strongSwan's <c>strict</c>).</summary>
    Required,
}
