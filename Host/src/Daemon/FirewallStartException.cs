namespace IpsecFw.Host.Daemon;

/// <summary>
/// The nftables firewall could not start: <c>firewall.nftables</c> is on but the <c>nft</c> command is absent, or nft
/// refused the table (not root, no nf_tables in the kernel). The message names the configuration key;
/// <c>ipsecfw run</c> prints it and exits with <c>StartFailed</c>.
/// </summary>
public sealed class FirewallStartException : Exception
{
    /// <summary>An exception with a plain message.</summary>
    public FirewallStartException(string message)
        : base(message)
    {
    }

    /// <summary>An exception with a plain message and its cause.</summary>
    public FirewallStartException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>An exception with no message.</summary>
    public FirewallStartException()
    {
    }
}
