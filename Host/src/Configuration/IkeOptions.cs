namespace IpsecFw.Host.Configuration;

/// <summary>Where the IKE engine listens (used only when <see cref="HostConfig.Peers"/> is not empty).</summary>
public sealed class IkeOptions
{
    /// <summary>
    /// The address IKE and ESP-in-UDP are bound to. Absent: the address the kernel would send from towards the first
    /// peer with an <see cref="PeerOptions.Address"/> (the daemon refuses to start when no peer has one).
    /// </summary>
    public string? LocalAddress { get; set; }

    /// <summary>The IKE port (500).</summary>
    public int Port { get; set; } = 500;

    /// <summary>The NAT-traversal port, shared by IKE and ESP in UDP (4500, RFC 3948).</summary>
    public int NatPort { get; set; } = 4500;

    /// <summary>
    /// Seconds a responder SA answered in IKE_SA_INIT may wait for a complete IKE_AUTH before it is dropped (half-open,
    /// RFC 7296 2.6); strongSwan's <c>charon.half_open_timeout</c> is 30 as well.
    /// </summary>
    public int HalfOpenTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Half-open responder SAs one source address may hold; IKE_SA_INIT requests over it are dropped unanswered and
    /// counted (<c>ike.drops.per_source_limit</c>). 0: no limit. strongSwan's <c>charon.block_threshold</c> is 5 as well.
    /// </summary>
    public int HalfOpenPerSource { get; set; } = 5;

    /// <summary>
    /// ESP in UDP always (<see cref="EspEncapsulation.Force"/>, the default) or only behind a NAT
    /// (<see cref="EspEncapsulation.Auto"/>: raw ESP, IP protocol 50, otherwise). Applies to every peer.
    /// </summary>
    public EspEncapsulation Encapsulation { get; set; } = EspEncapsulation.Force;
}
