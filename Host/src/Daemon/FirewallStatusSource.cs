using IpsecFw.Host.Control;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The <c>firewall</c> section of <c>ipsecfw status</c>: installs and failures, and the packets and bytes of the
/// nftables default deny and of each policy rule, per chain. The counters are read from the kernel when this is asked
/// (one bounded <c>nft -j list table</c>), so they are current.
/// </summary>
public sealed class FirewallStatusSource(NftablesFirewall firewall) : IStatusSource
{
    /// <inheritdoc/>
    public string Component => "firewall";

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, long> ReadCounters()
    {
        firewall.RefreshCounters();
        return firewall.Counters;
    }
}
