using System.Net;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Tests.Runtime;

public sealed class ResponderNarrowingTests
{
    private static readonly PeerIdentity s_self = new() { CommonName = "srv.example.com", DnsNames = ["srv.example.com"] };
    private static readonly PeerIdentity s_peer = new() { CommonName = "a.peer.example" };
    private static readonly PeerIdentity s_stranger = new() { CommonName = "z.other.example" };

    private const string Policy = """
        me = x509{name="srv.example.com"};
        peers = x509{name="*.peer.example"};
        lan = IPv4{198.18.0.0/24} | IPv6{2001:2:1::/64};
        allow smtp(peers, me);
        allow tcp/8000-8099(lan, me);
        allow https(me, peers);
        deny ssh(peers, me);
        """;

    private static readonly PolicySnapshot s_srv = Scenario.Compile(Policy)
        .Specialize(s_self, [IPAddress.Parse("198.19.7.7"), IPAddress.Parse("2001:2::7")]);

    private static UInt128 A(string text) => IpAddressCodec.FromIPAddress(IPAddress.Parse(text));

    private static TrafficSelectorRange Ts(byte protocol, ushort first, ushort last, string from, string to) =>
        new(protocol, first, last, A(from), A(to));

    private static readonly TrafficSelectorRange s_anyV4 = TrafficSelectorRange.AnyIPv4;
    private static readonly TrafficSelectorRange s_anyV6 = TrafficSelectorRange.AnyIPv6;

    [Fact]
    public void A_subset_of_what_the_policy_allows_comes_back_unchanged()
    {
        TrafficSelectorRange tsi = Ts(6, 0, 65535, "198.18.5.5", "198.18.5.5");
        TrafficSelectorRange tsr = Ts(6, 25, 25, "198.19.7.7", "198.19.7.7");
        SelectorNarrowing n = s_srv.NarrowResponder(s_srv.AuthorizePeer(s_peer), [tsi], [tsr]);
        Assert.True(n.IsAcceptable);
        Assert.Equal([tsi], n.Initiator);
        Assert.Equal([tsr], n.Responder);
        Assert.Equal(0, n.RuleIndex);
    }

    [Fact]
    public void A_superset_is_narrowed_to_the_first_rule_and_this_hosts_address()
    {
        SelectorNarrowing n = s_srv.NarrowResponder(s_srv.AuthorizePeer(s_peer), [s_anyV4], [s_anyV4]);
        Assert.True(n.IsAcceptable);
        Assert.Equal([s_anyV4 with { Protocol = 6 }], n.Initiator);                   // the peer may be anywhere
        Assert.Equal([Ts(6, 25, 25, "198.19.7.7", "198.19.7.7")], n.Responder);      // smtp on this host only
    }

    [Fact]
    public void The_first_pair_is_the_triggering_packet_and_chooses_the_rule()
    {
        // RFC 7296 2.9: TSi[0]/TSr[0] are the packet; the rest the wider wish.
        TrafficSelectorRange[] tsi = [Ts(6, 40000, 40000, "198.18.0.5", "198.18.0.5"), s_anyV4];
        TrafficSelectorRange[] tsr = [Ts(6, 8050, 8050, "198.19.7.7", "198.19.7.7"), s_anyV4];
        SelectorNarrowing n = s_srv.NarrowResponder(s_srv.AuthorizePeer(s_peer), tsi, tsr);
        Assert.True(n.IsAcceptable);
        Assert.Equal(1, n.RuleIndex);
        Assert.Equal([Ts(6, 0, 65535, "198.18.0.0", "198.18.0.255")], n.Initiator);  // lan is an address group
        Assert.Equal([Ts(6, 8000, 8099, "198.19.7.7", "198.19.7.7")], n.Responder);
    }

    [Fact]
    public void Port_ranges_are_intersected()
    {
        SelectorNarrowing n = s_srv.NarrowResponder(null,
            [Ts(6, 0, 65535, "198.18.0.1", "198.18.0.1")], [Ts(6, 8090, 9000, "198.19.0.0", "198.19.255.255")]);
        Assert.True(n.IsAcceptable);
        Assert.Equal([Ts(6, 8090, 8099, "198.19.7.7", "198.19.7.7")], n.Responder);
    }

    [Fact]
    public void An_outbound_rule_puts_the_service_port_on_the_peers_side()
    {
        SelectorNarrowing n = s_srv.NarrowResponder(s_srv.AuthorizePeer(s_peer),
            [Ts(6, 0, 65535, "198.18.9.9", "198.18.9.9")], [Ts(6, 0, 65535, "198.19.7.7", "198.19.7.7")]);
        Assert.Equal(0, n.RuleIndex); // smtp inbound first: the peer's side keeps every port
        SelectorNarrowing https = s_srv.NarrowResponder(s_srv.AuthorizePeer(s_peer),
            [Ts(6, 443, 443, "198.18.9.9", "198.18.9.9")], [Ts(6, 1024, 65535, "198.19.7.7", "198.19.7.7")]);
        Assert.True(https.IsAcceptable);
        Assert.Equal(2, https.RuleIndex);
        Assert.Equal([Ts(6, 443, 443, "198.18.9.9", "198.18.9.9")], https.Initiator);
    }

    [Theory]
    [InlineData(22)]      // only a deny rule covers ssh
    [InlineData(80)]      // nothing covers http
    public void Disjoint_selectors_are_unacceptable(ushort port)
    {
        // The peer's side: its ephemeral ports (so the https rule, whose port is on the peer's side, does not apply).
        SelectorNarrowing n = s_srv.NarrowResponder(s_srv.AuthorizePeer(s_peer),
            [Ts(6, 1024, 65535, "0.0.0.0", "255.255.255.255")], [Ts(6, port, port, "198.19.7.7", "198.19.7.7")]);
        Assert.False(n.IsAcceptable);
        Assert.Same(SelectorNarrowing.Unacceptable, n);
    }

    [Fact]
    public void Without_the_identity_only_the_address_rules_remain()
    {
        TrafficSelectorRange tsr = Ts(6, 25, 25, "198.19.7.7", "198.19.7.7");
        Assert.False(s_srv.NarrowResponder(s_srv.AuthorizePeer(s_stranger), [s_anyV4], [tsr]).IsAcceptable);
        Assert.False(s_srv.NarrowResponder(null, [Ts(6, 0, 65535, "203.0.113.1", "203.0.113.1")], [s_anyV4]).IsAcceptable);
        // A grant from another compile of the same text is no identity here.
        PolicySnapshot other = Scenario.Compile(Policy);
        Assert.False(s_srv.NarrowResponder(other.AuthorizePeer(s_peer), [s_anyV4], [tsr]).IsAcceptable);
        // And this host's other addresses are never offered.
        Assert.False(s_srv.NarrowResponder(s_srv.AuthorizePeer(s_peer), [s_anyV4], [Ts(6, 25, 25, "198.19.7.8", "198.19.7.8")]).IsAcceptable);
    }

    [Fact]
    public void IPv6_selectors_are_narrowed_within_IPv6()
    {
        SelectorNarrowing n = s_srv.NarrowResponder(null, [s_anyV6], [Ts(6, 8000, 8010, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")]);
        Assert.True(n.IsAcceptable);
        Assert.Equal([Ts(6, 0, 65535, "2001:2:1::", "2001:2:1:0:ffff:ffff:ffff:ffff")], n.Initiator);
        Assert.Equal([Ts(6, 8000, 8010, "2001:2::7", "2001:2::7")], n.Responder);
        Assert.False(n.Initiator[0].IsIPv4);

        // An IPv4 TSi never meets the IPv6 part of a group.
        Assert.False(s_srv.NarrowResponder(null, [Ts(6, 0, 65535, "198.18.200.1", "198.18.200.1")], [s_anyV6]).IsAcceptable);
    }

    [Fact]
    public void Protocol_any_against_a_specific_protocol_takes_the_specific_one_and_mismatches_are_refused()
    {
        SelectorNarrowing n = s_srv.NarrowResponder(s_srv.AuthorizePeer(s_peer), [s_anyV4], [Ts(0, 0, 65535, "198.19.7.7", "198.19.7.7")]);
        Assert.Equal(6, n.Responder[0].Protocol);
        Assert.False(s_srv.NarrowResponder(s_srv.AuthorizePeer(s_peer), [s_anyV4], [Ts(17, 0, 65535, "198.19.7.7", "198.19.7.7")]).IsAcceptable);
    }

    [Fact]
    public void Selector_range_intersection_and_cover()
    {
        TrafficSelectorRange a = Ts(6, 10, 20, "198.18.0.0", "198.18.0.255"), b = Ts(0, 15, 30, "198.18.0.128", "198.18.1.0");
        Assert.True(a.TryIntersect(b, out TrafficSelectorRange c));
        Assert.Equal(Ts(6, 15, 20, "198.18.0.128", "198.18.0.255"), c);
        Assert.True(a.Covers(c));
        Assert.False(c.Covers(a));
        Assert.False(a.TryIntersect(Ts(17, 0, 65535, "198.18.0.0", "198.18.0.255"), out _));
        Assert.False(a.TryIntersect(Ts(6, 21, 30, "198.18.0.0", "198.18.0.255"), out _));
        Assert.False(TrafficSelectorRange.AnyIPv4.TryIntersect(TrafficSelectorRange.Host(A("2001:2::1")), out _));
        Assert.True(a.Contains(6, 12, A("198.18.0.7")));
        Assert.False(a.Contains(17, 12, A("198.18.0.7")));
        Assert.Equal("6 [10-20] 198.18.0.0-198.18.0.255", a.ToString());
    }
}
