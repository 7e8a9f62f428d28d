using System.Net;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Sa;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Ike.Tests.Sa;

/// <summary>CP in IKE_AUTH (RFC 7296 2.19): the telecommuter asks for an inside address, the gateway leases one from its pool.</summary>
public sealed class ConfigurationPayloadExchangeTests
{
    [Fact]
    public void The_gateway_assigns_an_address_and_narrows_tsi_to_it()
    {
        var pool = new AddressPool(IPNetwork.Parse("198.19.100.16/28"));
        var pair = new IkePair(IkePair.Config("laptop.example.com", "k") with { RequestVirtualIp = true },
            IkePair.Config("gw.example.com", "k") with { AddressPool = pool, DnsServers = [IPAddress.Parse("198.19.2.53")] });
        pair.Establish();

        IPAddress vip = Assert.Single(pair.Initiator!.VirtualIps);
        Assert.Equal(IPAddress.Parse("198.19.100.17"), vip);
        Assert.Equal([IPAddress.Parse("198.19.2.53")], pair.Initiator.DnsServers);
        Assert.Equal(vip, pair.Responder!.LeasedAddress);
        var ts = Assert.Single(pair.Initiator.Children[0].LocalSelectors);
        Assert.Equal((vip, vip), (ts.StartAddress, ts.EndAddress));
        Assert.Equal(vip, Assert.Single(pair.Responder.Children[0].RemoteSelectors).StartAddress);

        pair.Initiator.Delete("done");
        pair.Pump();
        Assert.Equal(0, pool.Leased);
    }

    [Fact]
    public void The_gateway_assigns_an_ipv4_and_an_ipv6_address_and_narrows_tsi_to_both()
    {
        var pool = new AddressPool(IPNetwork.Parse("198.19.100.16/28"));
        var pool6 = new AddressPool(IPNetwork.Parse("2001:2:0:ff00::/64"));
        var pair = new IkePair(IkePair.Config("laptop.example.com", "k") with { RequestVirtualIp = true, RequestVirtualIpv6 = true },
            IkePair.Config("gw.example.com", "k") with
            {
                AddressPool = pool,
                AddressPool6 = pool6,
                DnsServers = [IPAddress.Parse("198.19.2.53"), IPAddress.Parse("2001:2:0:2::53")],
                RemoteTrafficSelectors = [IkeSaConfig.AnyIpv4, IkeSaConfig.AnyIpv6],
                LocalTrafficSelectors = [IkeSaConfig.AnyIpv4, IkeSaConfig.AnyIpv6],
            });
        pair.Establish();

        IPAddress v4 = IPAddress.Parse("198.19.100.17"), v6 = IPAddress.Parse("2001:2:0:ff00::1");
        Assert.Equal([v4, v6], pair.Initiator!.VirtualIps);
        Assert.Equal([IPAddress.Parse("198.19.2.53"), IPAddress.Parse("2001:2:0:2::53")], pair.Initiator.DnsServers);
        Assert.Equal([v4, v6], pair.Responder!.LeasedAddresses);
        Assert.Equal(v4, pair.Responder.LeasedAddress);
        Assert.Equal([(v4, v4), (v6, v6)], pair.Initiator.Children[0].LocalSelectors.Select(t => (t.StartAddress, t.EndAddress)));
        Assert.Equal([(v4, v4), (v6, v6)], pair.Responder.Children[0].RemoteSelectors.Select(t => (t.StartAddress, t.EndAddress)));
        Assert.Equal((1, 1), (pool.Leased, pool6.Leased));

        pair.Initiator.Delete("done");
        pair.Pump();
        Assert.Equal((0, 0), (pool.Leased, pool6.Leased));
    }

    [Fact]
    public void An_ipv6_only_request_gets_an_ipv6_address_and_any_ipv4_selector_is_not_proposed()
    {
        var pool6 = new AddressPool(IPNetwork.Parse("2001:2:0:ff00::/120"));
        var pair = new IkePair(IkePair.Config("laptop.example.com", "k") with { RequestVirtualIpv6 = true, RemoteTrafficSelectors = [IkeSaConfig.AnyIpv6] },
            IkePair.Config("gw.example.com", "k") with
            {
                AddressPool = new AddressPool(IPNetwork.Parse("198.19.100.16/28")),
                AddressPool6 = pool6,
                RemoteTrafficSelectors = [IkeSaConfig.AnyIpv6],
                LocalTrafficSelectors = [IkeSaConfig.AnyIpv6],
            });
        pair.Establish();

        IPAddress v6 = Assert.Single(pair.Initiator!.VirtualIps);
        Assert.Equal(IPAddress.Parse("2001:2:0:ff00::1"), v6);
        Assert.Equal([v6], pair.Responder!.LeasedAddresses);
        var ts = Assert.Single(pair.Initiator.Children[0].LocalSelectors);
        Assert.Equal((TsType.Ipv6AddressRange, v6, v6), (ts.TsType, ts.StartAddress, ts.EndAddress));
    }

    [Fact]
    public void A_gateway_without_an_ipv6_pool_answers_the_ipv4_part_of_a_dual_stack_request()
    {
        var pool = new AddressPool(IPNetwork.Parse("198.19.100.16/28"));
        var pair = new IkePair(IkePair.Config("laptop.example.com", "k") with { RequestVirtualIp = true, RequestVirtualIpv6 = true },
            IkePair.Config("gw.example.com", "k") with { AddressPool = pool });
        pair.Establish();

        Assert.Equal([IPAddress.Parse("198.19.100.17")], pair.Initiator!.VirtualIps);
        Assert.Equal([IPAddress.Parse("198.19.100.17")], pair.Responder!.LeasedAddresses);
        Assert.Single(pair.Initiator.Children);
        Assert.All(pair.Initiator.Children[0].LocalSelectors, t => Assert.Equal(TsType.Ipv4AddressRange, t.TsType));
    }

    [Fact]
    public void An_ipv6_request_to_a_gateway_with_an_ipv4_pool_only_answers_internal_address_failure()
    {
        var pool = new AddressPool(IPNetwork.Parse("198.19.100.16/28"));
        var pair = new IkePair(IkePair.Config("laptop.example.com", "k") with { RequestVirtualIpv6 = true },
            IkePair.Config("gw.example.com", "k") with { AddressPool = pool });
        pair.Establish();

        Assert.Empty(pair.Initiator!.VirtualIps);
        Assert.Empty(pair.Initiator.Children);
        Assert.Empty(pair.Responder!.Children);
        Assert.Equal(0, pool.Leased);
    }

    [Fact]
    public void An_exhausted_pool_answers_internal_address_failure_and_makes_no_child()
    {
        var pool = new AddressPool(IPNetwork.Parse("198.19.100.16/30"));
        // A /30 has two host addresses (.17 and .18; .16 is the network, .19 the broadcast).
        Assert.Equal(IPAddress.Parse("198.19.100.17"), pool.Acquire(new PeerIdentity { SubjectDn = "CN=someone else" }));
        Assert.Equal(IPAddress.Parse("198.19.100.18"), pool.Acquire(new PeerIdentity { SubjectDn = "CN=a third" }));
        var pair = new IkePair(IkePair.Config("laptop.example.com", "k") with { RequestVirtualIp = true },
            IkePair.Config("gw.example.com", "k") with { AddressPool = pool });
        pair.Establish();
        Assert.Empty(pair.Initiator!.VirtualIps);
        Assert.Empty(pair.Initiator.Children);
        Assert.Empty(pair.Responder!.Children);
    }

    [Fact]
    public void The_same_peer_gets_the_same_address_while_it_holds_the_lease()
    {
        var pool = new AddressPool(IPNetwork.Parse("198.19.100.0/24"));
        var a = new PeerIdentity { SubjectDn = "CN=a" };
        IPAddress first = pool.Acquire(a)!;
        Assert.Equal(first, pool.Acquire(a));
        Assert.NotEqual(first, pool.Acquire(new PeerIdentity { SubjectDn = "CN=b" }));
        pool.Release(first);
        Assert.Equal(1, pool.Leased);
        Assert.Equal(IPAddress.Parse("198.19.100.1"), first);
    }
}
