using System.Net;
using System.Net.Sockets;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages;
using IpsecFw.Spd.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>How <c>requestAddress</c>, <c>pool</c> and <c>pools</c> become the engine's CP settings (the addresses on the TUN device are tested in interop-tests/Daemon/DaemonRoadWarriorTests).</summary>
public sealed class VirtualAddressesTests
{
    [Fact]
    public void A_pool_on_the_responder_peer_answers_cp_with_its_dns_and_bounds_the_peers_selectors()
    {
        var config = new HostConfig
        {
            Policy = new(),
            Pools = [new PoolOptions { Name = "v4", Prefix = "198.19.128.0/30", Dns = ["198.18.0.53"] }],
            Peers = [new PeerOptions { Name = "laptops", Pool = "v4" }],
        };
        using VirtualAddresses addresses = New(config);
        IkeSaConfig applied = addresses.Apply(config.Peers[0], Base());

        Assert.False(applied.RequestVirtualIp);
        AddressPool pool = Assert.IsType<AddressPool>(applied.AddressPool);
        Assert.Same(pool, addresses.PoolOf("laptops"));
        Assert.Equal([IPAddress.Parse("198.18.0.53")], applied.DnsServers);
        var selector = Assert.Single(applied.RemoteTrafficSelectors);
        Assert.Equal((IPAddress.Parse("198.19.128.0"), IPAddress.Parse("198.19.128.3")), (selector.StartAddress, selector.EndAddress));

        // A /30 has two usable addresses; the counters follow the leases.
        Assert.Equal(IPAddress.Parse("198.19.128.1"), pool.Acquire(new PeerIdentity { SubjectDn = "CN=a" }));
        Assert.Equal(IPAddress.Parse("198.19.128.2"), pool.Acquire(new PeerIdentity { SubjectDn = "CN=b" }));
        Assert.Null(pool.Acquire(new PeerIdentity { SubjectDn = "CN=c" }));
        Assert.Equal(2, addresses.ReadCounters()["pool.v4.leased"]);
        Assert.Equal(0, addresses.ReadCounters()["leases.held"]);
    }

    [Fact]
    public void A_client_asks_for_an_address_and_every_peer_with_a_pool_is_served()
    {
        var config = new HostConfig
        {
            Policy = new(),
            Pools = [new PoolOptions { Name = "v6", Prefix = "2001:2:0:ff00::/64" }, new PoolOptions { Name = "v4", Prefix = "198.19.128.0/24" }],
            Peers =
            [
                new PeerOptions { Name = "responder", Pool = "v6" },
                new PeerOptions { Name = "gw", Address = "198.18.0.2", RequestAddress = true, RemoteSubnets = ["198.19.2.0/24"] },
                new PeerOptions { Name = "other", Pool = "v4" },
                new PeerOptions { Name = "branch", Address = "198.18.0.3", Pool = "v4" },
                new PeerOptions { Name = "branch2", Address = "198.18.0.4", Pool = "v4" },
            ],
        };
        using VirtualAddresses addresses = New(config);
        IkeSaConfig client = addresses.Apply(config.Peers[1], Base());
        Assert.True(client.RequestVirtualIp);
        Assert.False(client.RequestVirtualIpv6);
        Assert.Null(client.AddressPool);

        // An IPv6 pool named by "pool" answers INTERNAL_IP6_ADDRESS. Every peer with a pool is served, a second one without
        // an address too (the identity claimed at IKE_AUTH chooses it, RFC 7296 2.15), and peers naming one pool share it.
        IkeSaConfig responder = addresses.Apply(config.Peers[0], Base());
        Assert.Null(responder.AddressPool);
        Assert.Same(addresses.PoolOf("responder", AddressFamily.InterNetworkV6), responder.AddressPool6);
        Assert.NotNull(addresses.Apply(config.Peers[2], Base()).AddressPool);
        Assert.NotNull(addresses.Apply(config.Peers[3], Base()).AddressPool);
        Assert.Same(addresses.PoolOf("branch"), addresses.PoolOf("branch2"));
        Assert.Same(addresses.PoolOf("branch"), addresses.PoolOf("other"));
        Assert.Equal(["pool.v4.leased", "pool.v6.leased"], addresses.ReadCounters().Keys.Where(k => k.StartsWith("pool.", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_dual_stack_gateway_serves_both_pools_and_a_dual_stack_client_asks_for_both_families()
    {
        var config = new HostConfig
        {
            Policy = new(),
            Pools =
            [
                new PoolOptions { Name = "v4", Prefix = "198.19.128.0/24", Dns = ["198.18.0.53"] },
                new PoolOptions { Name = "v6", Prefix = "2001:2:0:ff00::/64", Dns = ["2001:2::53"] },
            ],
            Peers =
            [
                new PeerOptions { Name = "laptops", Pool = "v4", Pool6 = "v6" },
                new PeerOptions { Name = "gw", Address = "198.18.0.2", RequestAddress = true, RequestAddress6 = true, RemoteSubnets = ["198.19.2.0/24", "2001:2:0:2::/64"] },
            ],
        };
        using VirtualAddresses addresses = New(config);
        IkeSaConfig gateway = addresses.Apply(config.Peers[0], Base());
        Assert.Equal(IPNetwork.Parse("198.19.128.0/24"), Assert.IsType<AddressPool>(gateway.AddressPool).Prefix);
        Assert.Equal(IPNetwork.Parse("2001:2:0:ff00::/64"), Assert.IsType<AddressPool>(gateway.AddressPool6).Prefix);
        Assert.Equal([IPAddress.Parse("198.18.0.53"), IPAddress.Parse("2001:2::53")], gateway.DnsServers);
        Assert.Equal([TsType.Ipv4AddressRange, TsType.Ipv6AddressRange], gateway.RemoteTrafficSelectors.Select(t => t.TsType));
        Assert.Equal(IPAddress.Parse("2001:2:0:ff00:ffff:ffff:ffff:ffff"), gateway.RemoteTrafficSelectors[1].EndAddress);

        IkeSaConfig client = addresses.Apply(config.Peers[1], Base());
        Assert.True(client.RequestVirtualIp && client.RequestVirtualIpv6);
        Assert.Equal([IkeSaConfig.AnyIpv4, IkeSaConfig.AnyIpv6], client.VirtualIpSelectors());
    }

    [Theory]
    [InlineData(150, 5)] // the engine's default: 2 + 3.6 + 6.48 + 11.66 + 20.99 + 37.79 = 82.5 s
    [InlineData(82, 4)]
    [InlineData(20, 2)] // 12.08 s
    [InlineData(1, 1)]
    [InlineData(86400, 16)]
    public void Dpd_timeout_bounds_the_retransmissions_before_the_peer_is_declared_dead(int timeoutSeconds, int tries) =>
        Assert.Equal(tries, PeerSaConfigs.RetransmitTriesWithin(TimeSpan.FromSeconds(timeoutSeconds), TimeSpan.FromSeconds(2), 1.8));

    private static VirtualAddresses New(HostConfig config) =>
        new(new DaemonState("/nonexistent/config.json", config, DateTimeOffset.UnixEpoch),
            new PolicyService(TimeProvider.System, NullLogger<PolicyService>.Instance), NullLoggerFactory.Instance);

    private static readonly PskAuthenticator s_psk = new(new byte[32], IdentityText.Parse("a@example.com"), IdentityText.Parse("b@example.com"));

    private static IkeSaConfig Base() => new()
    {
        Authenticator = s_psk,
        IkeProposals = [],
        EspProposals = [],
    };
}
