namespace IpsecFw.Spd.Nftables;

/// <summary>Which address family an nftables rule is written for.</summary>
internal enum Family
{
    /// <summary>No address in the rule: it matches both.</summary>
    Both,

    /// <summary><c>ip saddr</c> / <c>ip daddr</c>.</summary>
    V4,

    /// <summary><c>ip6 saddr</c> / <c>ip6 daddr</c>.</summary>
    V6,
}
