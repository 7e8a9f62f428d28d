using System.Net;
using IpsecFw.Ike.Config;
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
