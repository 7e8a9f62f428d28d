namespace IpsecFw.Host.Events;

/// <summary>What an intrusion-detection event reports (its MSGID in syslog, <c>event</c> in JSON).</summary>
internal enum IdsEventKind : byte
{
    /// <summary>A packet of a new connection the policy denied on the data path (<c>denied</c>).</summary>
    Denied = 1,

    /// <summary>An IKE peer refused at IKE_AUTH: its credentials failed, or the policy does not admit it (<c>ike-refused</c>).</summary>
    IkeRefused,

    /// <summary>The summary of events the rate limit suppressed for one remote address (<c>suppressed</c>).</summary>
    Suppressed,

    /// <summary>
    /// A packet in clear that the kernel's nftables table denied, read back through NFLOG (<c>denied</c>, reason
    /// <c>kernel_drop</c>).
    /// </summary>
    KernelDenied,
}
