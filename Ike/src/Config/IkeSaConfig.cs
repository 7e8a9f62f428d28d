using System.Net;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Config;

/// <summary>
/// Everything one IKE SA needs to know about its side of a connection: credentials, proposals, the first CHILD_SA's
/// traffic selectors and the timers. Immutable; shared by all SAs of a connection.
/// </summary>
public sealed record IkeSaConfig
{
    /// <summary>A name for logs and the SA list.</summary>
    public string Name { get; init; } = "default";

    /// <summary>This side's credentials and the judge of the peer's.</summary>
    public required IIkeAuthenticator Authenticator { get; init; }

    /// <summary>IKE proposals in order of preference (numbered from 1).</summary>
    public required IReadOnlyList<Proposal> IkeProposals { get; init; }

    /// <summary>ESP proposals in order of preference, without SPI (filled in per CHILD_SA).</summary>
    public required IReadOnlyList<Proposal> EspProposals { get; init; }

    /// <summary>Traffic selectors for this side of the first CHILD_SA (TSi as initiator, the allowed TSr as responder).</summary>
    public IReadOnlyList<TrafficSelector> LocalTrafficSelectors { get; init; } = [AnyIpv4];

    /// <summary>Traffic selectors for the peer's side.</summary>
    public IReadOnlyList<TrafficSelector> RemoteTrafficSelectors { get; init; } = [AnyIpv4];

    /// <summary>
    /// Fake NAT detection so that ESP is always UDP-encapsulated (RFC 7296 2.23 lets a host force encapsulation;
    /// strongSwan's <c>encap = yes</c>). On by default because the data path sends and receives ESP on UDP/4500.
    /// </summary>
    public bool ForceUdpEncapsulation { get; init; } = true;

    /// <summary>Nonce length in bytes (RFC 7296 2.10: at least 16 and at least half the PRF key size).</summary>
    public int NonceLength { get; init; } = 32;

    /// <summary>First retransmission timeout (RFC 7296 2.1); strongSwan uses 4 s.</summary>
    public TimeSpan RetransmitTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Multiplier of the timeout per retransmission.</summary>
    public double RetransmitBase { get; init; } = 1.8;

    /// <summary>Number of retransmissions before the peer is declared dead.</summary>
    public int RetransmitTries { get; init; } = 5;

    /// <summary>Send a liveness check (empty INFORMATIONAL) after this long without a message from the peer; zero: never.</summary>
    public TimeSpan DpdDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A responder's SA that has not completed IKE_AUTH after this long is dropped (half-open, RFC 7296 2.6).</summary>
    public TimeSpan HalfOpenTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Rekey each CHILD_SA this long after it was made (RFC 7296 2.8); zero: never by time.</summary>
    public TimeSpan ChildRekeyAfter { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Rekey the IKE SA this long after it was made (RFC 7296 2.18); zero: never by time.</summary>
    public TimeSpan IkeRekeyAfter { get; init; } = TimeSpan.FromHours(4);

    /// <summary>
    /// Initiator: ask the responder for an inside IPv4 address and DNS servers by CP (RFC 7296 2.19), proposing TSi as
    /// any IPv4 address for the responder to narrow to the address it assigns (the telecommuter).
    /// </summary>
    public bool RequestVirtualIp { get; init; }

    /// <summary>
    /// Initiator: ask for an inside IPv6 address (INTERNAL_IP6_ADDRESS) and IPv6 DNS servers too, proposing TSi as any
    /// IPv6 address as well; alone or with <see cref="RequestVirtualIp"/>.
    /// </summary>
    public bool RequestVirtualIpv6 { get; init; }

    /// <summary>Responder: the pool that answers CP requests for IPv4 addresses; null refuses them (no address in the reply).</summary>
    public IAddressPool? AddressPool { get; init; }

    /// <summary>Responder: the pool that answers CP requests for IPv6 addresses (INTERNAL_IP6_ADDRESS); null refuses them.</summary>
    public IAddressPool? AddressPool6 { get; init; }

    /// <summary>Responder: DNS servers given with an address of their family (INTERNAL_IP4_DNS, INTERNAL_IP6_DNS).</summary>
    public IReadOnlyList<System.Net.IPAddress> DnsServers { get; init; } = [];

    /// <summary>Largest IKE message accepted.</summary>
    public int MaxMessageSize { get; init; } = 64 * 1024;

    /// <summary>
    /// Announce IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT and fragment large protected messages when the peer
    /// announced it too (RFC 7383 2.3). On by default, as in strongSwan (<c>fragmentation = yes</c>).
    /// </summary>
    public bool Fragmentation { get; init; } = true;

    /// <summary>
    /// The IP MTU fragments are sized for (RFC 7383 2.5.1): a protected message is fragmented when its datagram (IP and
    /// UDP headers and, on port 4500, the non-ESP marker included) would exceed it, and each fragment's datagram fits it.
    /// Default 1280, as strongSwan's <c>charon.fragment_size</c>: the IPv6 minimum MTU, and large enough that IKE_AUTH
    /// with PSK or ECDSA is not fragmented on IPv4. 0 takes the RFC 7383 2.5.1 conservative value of the address family
    /// (576 for IPv4, 1280 for IPv6).
    /// </summary>
    public int FragmentMtu { get; init; } = 1280;

    /// <summary>All of IPv4, any protocol and port.</summary>
    public static TrafficSelector AnyIpv4 { get; } =
        new(TsType.Ipv4AddressRange, 0, 0, 65535, IPAddress.Any, IPAddress.Broadcast);

    /// <summary>All of IPv6, any protocol and port.</summary>
    public static TrafficSelector AnyIpv6 { get; } =
        new(TsType.Ipv6AddressRange, 0, 0, 65535, IPAddress.IPv6Any, IPAddress.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));

    /// <summary>Initiator: TSi while asking for inside addresses: any address of each family asked for (RFC 7296 2.19).</summary>
    public IReadOnlyList<TrafficSelector> VirtualIpSelectors() =>
        (RequestVirtualIp, RequestVirtualIpv6) switch
        {
            (true, true) => [AnyIpv4, AnyIpv6],
            (false, true) => [AnyIpv6],
            _ => [AnyIpv4],
        };

    /// <summary>Parses strongSwan-style proposal strings into a configuration's proposal lists.</summary>
    public static (IReadOnlyList<Proposal> Ike, IReadOnlyList<Proposal> Esp) ParseProposals(string ike, string esp)
    {
        if (!ProposalParser.TryParseList(ike, ProtocolId.Ike, out IReadOnlyList<Proposal> i, out string e1))
        {
            throw new FormatException($"IKE proposal: {e1}");
        }

        if (!ProposalParser.TryParseList(esp, ProtocolId.Esp, out IReadOnlyList<Proposal> s, out string e2))
        {
            throw new FormatException($"ESP proposal: {e2}");
        }

        return (i, s);
    }
}
