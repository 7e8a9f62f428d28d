using System.Net;
using System.Text;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>
/// The initiator's traffic selectors from the SPD (<see cref="SpdProposedSelectors"/>) and the responder's choice of
/// peer by identity as the daemon builds it from <c>peers[].remoteId</c> (<see cref="IkeService.IdentityChooser"/>).
/// </summary>
public sealed class SpdProposedSelectorsTests : IDisposable
{
    private const string Source = """
        me = x509{name="a.example.com"};
        hosts = x509{name="*.example.net"};
        allow ssh(hosts, me);
        allow ntp(me, hosts);
        """;

    private static readonly IPAddress s_me = IPAddress.Parse("198.18.0.1"), s_overlay = IPAddress.Parse("198.19.1.10"), s_peer = IPAddress.Parse("198.18.0.2");
    private readonly PskAuthenticator _psk = new(Encoding.UTF8.GetBytes("k"), new LocalIdentity(IdType.Fqdn, Encoding.ASCII.GetBytes("a.example.com")));

    public void Dispose() => _psk.Dispose();

    private static PolicySnapshot Local() =>
        (PolicyCompiler.Compile(Source, "p.pol", 1).Snapshot ?? throw new InvalidOperationException("does not compile"))
            .Specialize(new PeerIdentity { CommonName = "a.example.com", DnsNames = ["a.example.com"] }, [s_me, s_overlay]);

    private IkeSaConfig Built(PeerOptions peer) => PeerSaConfigs.Build(peer, _psk, s_me);

    private static TrafficSelector Ts(byte protocol, ushort first, ushort last, IPAddress a) =>
        new(TsType.Ipv4AddressRange, protocol, first, last, a, a);

    [Fact]
    public void Without_subnets_both_sides_come_from_the_rules_that_protect_traffic_with_the_peer()
    {
        var peer = new PeerOptions { Name = "b", Address = s_peer.ToString() };
        IkeSaConfig config = SpdProposedSelectors.Apply(Built(peer), peer, Local(), s_peer);
        // ssh(hosts, me): port 22 on this host's addresses (its IKE and overlay addresses); ntp(me, hosts): 123 on the peer's.
        Assert.Equal([Ts(6, 22, 22, s_me), Ts(6, 22, 22, s_overlay), Ts(17, 0, 65535, s_me), Ts(17, 0, 65535, s_overlay)],
            config.LocalTrafficSelectors.OrderBy(t => t.IpProtocol).ThenBy(t => t.StartAddress.ToString(), StringComparer.Ordinal));
        Assert.Equal([Ts(6, 0, 65535, s_peer), Ts(17, 123, 123, s_peer)], config.RemoteTrafficSelectors.OrderBy(t => t.IpProtocol));
    }

    [Fact]
    public void Configured_subnets_win_side_by_side()
    {
        var peer = new PeerOptions { Name = "b", Address = s_peer.ToString(), RemoteSubnets = ["198.19.2.0/24"] };
        IkeSaConfig built = Built(peer);
        IkeSaConfig config = SpdProposedSelectors.Apply(built, peer, Local(), s_peer);
        Assert.Equal(built.RemoteTrafficSelectors, config.RemoteTrafficSelectors);
        Assert.Equal(4, config.LocalTrafficSelectors.Count);

        var both = new PeerOptions { Name = "b", Address = s_peer.ToString(), LocalSubnets = ["198.19.1.0/24"], RemoteSubnets = ["198.19.2.0/24"] };
        IkeSaConfig fixedConfig = Built(both);
        Assert.Same(fixedConfig, SpdProposedSelectors.Apply(fixedConfig, both, Local(), s_peer));
    }

    [Fact]
    public void Without_a_policy_or_a_protecting_rule_the_configured_defaults_stay()
    {
        var peer = new PeerOptions { Name = "b", Address = s_peer.ToString() };
        IkeSaConfig built = Built(peer);
        Assert.Same(built, SpdProposedSelectors.Apply(built, peer, null, s_peer));
        PolicySnapshot clear = (PolicyCompiler.Compile("me = x509{name=\"a.example.com\"};\nallow *(me, *);\n", "p.pol", 1).Snapshot!)
            .Specialize(new PeerIdentity { CommonName = "a.example.com" }, [s_me]);
        Assert.Same(built, SpdProposedSelectors.Apply(built, peer, clear, s_peer));
        Assert.Equal([Ts(0, 0, 65535, s_me)], built.LocalTrafficSelectors);
    }

    [Fact]
    public void The_daemon_offers_every_peer_to_the_choice_by_identity()
    {
        var config = new HostConfig
        {
            Policy = new PolicyOptions { Source = "p.pol" },
            Peers =
            [
                new PeerOptions { Name = "office", Address = "198.18.0.9", RemoteId = "*.office.example.com" },
                new PeerOptions { Name = "db", Address = "198.18.0.9", RemoteId = "@db.example.com" },
                new PeerOptions { Name = "anyone" },
            ],
        };
        var configs = config.Peers.ToDictionary(p => p.Name, p => Built(p) with { Name = p.Name });
        var chooser = IkeService.IdentityChooser(config, configs);
        var from = new IPEndPoint(IPAddress.Parse("198.18.0.9"), 500);
        static IdPayload Fqdn(string n) => new(true, IdType.Fqdn, Encoding.ASCII.GetBytes(n));
        Assert.Equal("db", chooser.Choose(Fqdn("db.example.com"), from, configs["office"])!.Name);
        Assert.Equal("office", chooser.Choose(Fqdn("pc1.office.example.com"), from, configs["db"])!.Name);
        Assert.Equal("anyone", chooser.Choose(Fqdn("pc1.home.example.net"), from, configs["office"])!.Name);
    }
}
