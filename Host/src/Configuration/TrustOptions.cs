using IpsecFw.Ike.Auth;

namespace IpsecFw.Host.Configuration;

/// <summary>Which certificate authorities are trusted, and how revocation is checked.</summary>
public sealed class TrustOptions
{
    /// <summary>Trust anchor certificate files (at least one when any peer uses <see cref="PeerAuth.Pubkey"/>).</summary>
    public IReadOnlyList<string> Anchors { get; set; } = [];

    /// <summary>CRL files (PEM or DER).</summary>
    public IReadOnlyList<string> Crls { get; set; } = [];

    /// <summary>What to do when revocation cannot be checked.</summary>
    public RevocationPolicy Revocation { get; set; } = RevocationPolicy.IfAvailable;
}
