using System.Net;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Tests.Runtime;

public sealed class InitiatorProposalTests
{
    private static readonly PeerIdentity s_self = new() { CommonName = "srv.example.com", DnsNames = ["srv.example.com"] };

    private const string Policy = """
        me = x509{name="srv.example.com"};
        peers = x509{name="*.peer.example"};
        lan = IPv4{198.18.0.0/24};
        allow smtp(peers, me);
        allow tcp/8000-8099(lan, me);
        allow ntp(me, peers);
        deny ssh(peers, me);
        allow dns(me, *);
        """;

    private static readonly PolicySnapshot s_srv = Scenario.Compile(Policy)
        .Specialize(s_self, [IPAddress.Parse("198.19.7.7"), IPAddress.Parse("198.18.9.9"), IPAddress.Parse("2001:2::7")]);

    private static UInt128 A(string text) => IpAddressCodec.FromIPAddress(IPAddress.Parse(text));

    private static TrafficSelectorRange Ts(byte protocol, ushort first, ushort last, string address) =>
        new(protocol, first, last, A(address), A(address));

    [Fact]
    public void The_rules_that_protect_traffic_with_an_authenticated_peer_give_tsi_and_tsr()
    {
        InitiatorProposal p = s_srv.ProposeInitiator(A("198.18.0.2"));
        Assert.False(p.IsEmpty);
        // smtp(peers, me): enforced inbound, port 25 on this host's side; ntp(me, peers): outbound, 123 on the peer's
        // side. The address group rule (lan), the deny rule and the BYPASS rule (dns to *) propose nothing.
        Assert.Equal([0, 2], p.RuleIndices);
        Assert.Equal(
            [Ts(6, 25, 25, "198.18.9.9"), Ts(6, 25, 25, "198.19.7.7"), Ts(17, 0, 65535, "198.18.9.9"), Ts(17, 0, 65535, "198.19.7.7")],
            p.Local.OrderBy(t => t.Protocol).ThenBy(t => t.StartAddress));
        Assert.Equal([Ts(6, 0, 65535, "198.18.0.2"), Ts(17, 123, 123, "198.18.0.2")], p.Remote.OrderBy(t => t.Protocol));
    }

    [Fact]
    public void Covered_entries_are_left_out()
    {
        // An any-service rule covers the others on both sides.
        PolicySnapshot wide = Scenario.Compile(Policy + "\nallow *(me, peers);\n")
            .Specialize(s_self, [IPAddress.Parse("198.19.7.7")]);
        InitiatorProposal p = wide.ProposeInitiator(A("198.18.0.2"));
        Assert.Equal([0, 2, 5], p.RuleIndices);
        Assert.Equal([Ts(0, 0, 65535, "198.19.7.7")], p.Local);
        Assert.Equal([Ts(0, 0, 65535, "198.18.0.2")], p.Remote);
    }

    [Fact]
    public void An_ipv6_peer_gets_this_hosts_ipv6_addresses_only()
    {
        InitiatorProposal p = s_srv.ProposeInitiator(A("2001:2::2"));
        Assert.All(p.Local, t => Assert.False(t.IsIPv4));
        Assert.Equal([Ts(6, 25, 25, "2001:2::7"), Ts(17, 0, 65535, "2001:2::7")], p.Local);
        Assert.All(p.Remote, t => Assert.Equal(A("2001:2::2"), t.StartAddress));
    }

    [Fact]
    public void No_rule_with_an_authenticated_peer_proposes_nothing()
    {
        PolicySnapshot clear = Scenario.Compile("""
            me = x509{name="srv.example.com"};
            lan = IPv4{198.18.0.0/24};
            allow *(lan, me);
            allow dns(me, *);
            """).Specialize(s_self, [IPAddress.Parse("198.19.7.7")]);
        Assert.True(clear.ProposeInitiator(A("198.18.0.2")).IsEmpty);
    }
}
