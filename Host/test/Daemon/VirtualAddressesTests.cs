using System.Net;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
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
    public void A_client_asks_for_an_address_and_pools_the_engine_cannot_serve_are_left_out()
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
        Assert.Null(client.AddressPool);

        // IPv6 pools: the engine answers INTERNAL_IP4_ADDRESS only. Every other peer is served, a second one without an
        // address too (the identity claimed at IKE_AUTH chooses it, RFC 7296 2.15), and peers naming one pool share it.
        Assert.Null(addresses.Apply(config.Peers[0], Base()).AddressPool);
        Assert.NotNull(addresses.Apply(config.Peers[2], Base()).AddressPool);
        Assert.NotNull(addresses.Apply(config.Peers[3], Base()).AddressPool);
        Assert.Same(addresses.PoolOf("branch"), addresses.PoolOf("branch2"));
        Assert.Same(addresses.PoolOf("branch"), addresses.PoolOf("other"));
        Assert.Equal(["pool.v4.leased"], addresses.ReadCounters().Keys.Where(k => k.StartsWith("pool.", StringComparison.Ordinal)));
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
