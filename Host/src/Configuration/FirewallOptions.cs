namespace IpsecFw.Host.Configuration;

/// <summary>
/// The kernel firewall for traffic in clear: the daemon writes the policy's rules for hosts without a certificate into
/// one nftables table (<c>docs/architecture.md</c>, "Traffic in clear: nftables") and keeps it in step with the policy.
/// </summary>
public sealed class FirewallOptions
{
    /// <summary>Install and maintain the nftables table (default true; needs the <c>nft</c> command and root).</summary>
    public bool Nftables { get; set; } = true;

    /// <summary>The name of the <c>inet</c> table (letters, digits, '_'; at most 32; default <c>ipsecfw</c>).</summary>
    public string Table { get; set; } = "ipsecfw";
}
