namespace IpsecFw.Host.Configuration;

/// <summary>
/// One IKE peer or gateway. The IKE engine reads these; <see cref="ConfigValidator"/> has checked every field when the
/// configuration loaded.
/// </summary>
public sealed class PeerOptions
{
    /// <summary>A unique name (letters, digits, '.', '_', '-'), used in logs and <c>ipsecfw sas</c>.</summary>
    public required string Name { get; set; }

    /// <summary>The peer's IP address; absent for a responder-only peer that may connect from anywhere.</summary>
    public string? Address { get; set; }

    /// <summary>The peer's IKE port (500; NAT traversal moves to 4500 by itself).</summary>
    public int Port { get; set; } = 500;

    /// <summary>
    /// The identity the peer must authenticate as: a distinguished name (<c>CN=host.example.com,O=Example</c>), a DNS
    /// name, an e-mail address, or a pattern with a leading <c>*.</c>; absent means any identity the trust anchors vouch for.
    /// </summary>
    public string? RemoteId { get; set; }

    /// <summary>
    /// The identity this host sends with a pre-shared key (IKE ID syntax: an address, <c>@fqdn</c>, <c>user@host</c>
    /// or a DN); absent: the subject of <c>identity.certificate</c>, else the local IKE address. With certificates the
    /// certificate's subject is always sent.
    /// </summary>
    public string? LocalId { get; set; }

    /// <summary>How the peer authenticates.</summary>
    public PeerAuth Auth { get; set; } = PeerAuth.Pubkey;

    /// <summary>The file that holds the pre-shared key (required with <see cref="PeerAuth.Psk"/>, refused otherwise).</summary>
    public string? PskFile { get; set; }

    /// <summary>IKE proposals, strongSwan-style: <c>aes256gcm16-prfsha384-x25519</c>, most preferred first.</summary>
    public IReadOnlyList<string> Ike { get; set; } = ["aes256gcm16-prfsha384-x25519"];

    /// <summary>ESP proposals: <c>aes256gcm16</c>, optionally with a key exchange for PFS and <c>esn</c>/<c>noesn</c>.</summary>
    public IReadOnlyList<string> Esp { get; set; } = ["aes256gcm16"];

    /// <summary>What to do with this peer at start.</summary>
    public StartAction StartAction { get; set; } = StartAction.None;

    /// <summary>Dead peer detection.</summary>
    public DpdOptions Dpd { get; set; } = new();

    /// <summary>Local traffic selectors (prefixes); absent: this host's own address.</summary>
    public IReadOnlyList<string> LocalSubnets { get; set; } = [];

    /// <summary>Remote traffic selectors (prefixes); absent: the peer's own address.</summary>
    public IReadOnlyList<string> RemoteSubnets { get; set; } = [];

    /// <summary>
    /// A gateway: the name of the pool in <see cref="HostConfig.Pools"/> whose addresses this peer is given (an IPv4 pool
    /// answers INTERNAL_IP4_ADDRESS, an IPv6 pool INTERNAL_IP6_ADDRESS).
    /// </summary>
    public string? Pool { get; set; }

    /// <summary>A gateway: a second pool, IPv6, when <see cref="Pool"/> is the IPv4 one (a dual-stack client gets one address of each).</summary>
    public string? Pool6 { get; set; }

    /// <summary>A remote-access client: ask the gateway for an inner IPv4 address (configuration payload).</summary>
    public bool RequestAddress { get; set; }

    /// <summary>A remote-access client: ask the gateway for an inner IPv6 address (INTERNAL_IP6_ADDRESS), alone or with <see cref="RequestAddress"/>.</summary>
    public bool RequestAddress6 { get; set; }

    /// <summary>
    /// Protect the traffic to the peer's own <see cref="Address"/> (the one IKE talks to) too: it is routed into the
    /// TUN device by a policy-routing rule that the daemon's own IKE and ESP packets (marked <c>tun.fwmark</c>) skip, and
    /// the two hosts' addresses join the traffic selectors.
    /// </summary>
    public bool ProtectPeerAddress { get; set; }
}
