namespace IpsecFw.Host.Control;

/// <summary>One IKE SA as <c>ipsecfw sas</c> shows it (a copy; JSON on the control socket).</summary>
public sealed record IkeSaInfo
{
    /// <summary>The configured peer's name (<c>peers[].name</c>), or null for a peer that matched no entry by name.</summary>
    public string? PeerName { get; init; }

    /// <summary>The authenticated peer's certificate subject (or ID payload for PSK), null before IKE_AUTH completes.</summary>
    public string? PeerIdentity { get; init; }

    /// <summary>The peer's address and port as IKE last saw them (<c>198.18.0.2:4500</c>).</summary>
    public required string PeerAddress { get; init; }

    /// <summary>This side's address and port.</summary>
    public string? LocalAddress { get; init; }

    /// <summary>The state: <c>connecting</c>, <c>established</c>, <c>rekeying</c>, <c>deleting</c>.</summary>
    public required string State { get; init; }

    /// <summary>True when this host initiated the SA.</summary>
    public bool Initiator { get; init; }

    /// <summary>The initiator's SPI, 16 hex digits.</summary>
    public required string InitiatorSpi { get; init; }

    /// <summary>The responder's SPI, 16 hex digits (zeros before the responder answered).</summary>
    public required string ResponderSpi { get; init; }

    /// <summary>The negotiated algorithms in proposal syntax (<c>aes256gcm16-prfsha384-x25519</c>), null before IKE_SA_INIT completes.</summary>
    public string? Algorithms { get; init; }

    /// <summary>True when NAT traversal moved the SA to UDP 4500 with encapsulation.</summary>
    public bool NatTraversal { get; init; }

    /// <summary>When the SA became established, null before.</summary>
    public DateTimeOffset? EstablishedAt { get; init; }

    /// <summary>When the next rekey is due, if scheduled.</summary>
    public DateTimeOffset? RekeyAt { get; init; }

    /// <summary>Client: the inside addresses the peer assigned to this host by CP (RFC 7296 2.19); empty without.</summary>
    public IReadOnlyList<string> VirtualAddresses { get; init; } = [];

    /// <summary>Client: the DNS servers the peer named by CP (logged and shown; <c>/etc/resolv.conf</c> is not changed).</summary>
    public IReadOnlyList<string> Dns { get; init; } = [];

    /// <summary>Gateway: the inside address this host leased to the peer from its pool (the IPv4 one when there are two), or null.</summary>
    public string? LeasedAddress { get; init; }

    /// <summary>Gateway: every inside address this host leased to the peer (IPv4, then IPv6); empty without.</summary>
    public IReadOnlyList<string> LeasedAddresses { get; init; } = [];

    /// <summary>The CHILD SAs under this IKE SA.</summary>
    public IReadOnlyList<ChildSaInfo> Children { get; init; } = [];
}
