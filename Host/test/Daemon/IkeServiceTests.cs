using System.Net;
using System.Net.Sockets;
using IpsecFw.Esp.DataPath;
using IpsecFw.Esp.Sa;
using IpsecFw.Host.Cli;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Host.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>
/// The configuration errors <see cref="IkeService"/> meets at start (the files are valid for the configuration check but
/// not for the engine, or a port is taken): each is one line naming the key and file, <c>run</c> exits with
/// <see cref="ExitCodes.StartFailed"/>, and neither a stack trace nor key material is printed. Every case fails before
/// a TUN device is created.
/// </summary>
public sealed class IkeServiceTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_key_file_that_is_not_a_key_stops_run_with_the_file_named()
    {
        const string Secret = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg";
        string config = Config(identityKey: $"-----BEGIN PRIVATE KEY-----\n{Secret}\n-----END PRIVATE KEY-----\n");

        (int code, _, string error) = CliRunner.Run("run", "--config", config);

        Assert.Equal(ExitCodes.StartFailed, code);
        Assert.StartsWith("ipsecfw run: cannot start: identity: " + _dir.File("host.key"), error, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task A_psk_file_that_vanished_after_the_check_is_named()
    {
        string path = Config(psk: "0xc0ffee");
        ConfigLoadResult loaded = ConfigLoader.Load(path);
        Assert.NotNull(loaded.Config);
        File.Delete(_dir.File("peer.psk"));
        using IkeService service = Service(path, loaded.Config);

        var e = await Assert.ThrowsAsync<IkeStartException>(() => service.StartAsync(CancellationToken.None));

        Assert.Equal($"peers[0].pskFile: {_dir.File("peer.psk")}: cannot be read (does not exist)", e.Message);
        Assert.Null(service.Engine);
    }

    [Fact]
    public void A_missing_psk_file_is_a_configuration_error_of_run()
    {
        string config = Config(psk: "x");
        File.Delete(_dir.File("peer.psk"));

        (int code, _, string error) = CliRunner.Run("run", "--config", config);

        Assert.Equal(ExitCodes.UserError, code);
        Assert.Contains("peers[0].pskFile", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_port_in_use_stops_run_with_the_key_and_address()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        string config = Config(psk: "a long enough shared secret", natPort: port);

        (int code, _, string error) = CliRunner.Run("run", "--config", config);

        Assert.Equal(ExitCodes.StartFailed, code);
        Assert.Equal($"ipsecfw run: cannot start: ike.natPort: cannot bind UDP 127.0.0.1:{port}: already in use (another IKE daemon, strongSwan or libreswan?)\n", error);
    }

    [Theory]
    [InlineData("0x00ff10", new byte[] { 0x00, 0xff, 0x10 })]
    [InlineData("  secret\n", new byte[] { (byte)'s', (byte)'e', (byte)'c', (byte)'r', (byte)'e', (byte)'t' })]
    public void Psk_files_are_hex_or_text(string content, byte[] expected)
    {
        string path = _dir.Write("k.psk", content);
        Assert.Equal(expected, PeerAuthenticators.ReadPsk(path, "peers[0].pskFile"));
    }

    [Theory]
    [InlineData("", "the file holds no key")]
    [InlineData("0xabc", "'0x' is followed by something that is not an even number of hex digits")]
    public void Bad_psk_files_are_refused_without_their_content(string content, string why)
    {
        string path = _dir.Write("k.psk", content);
        var e = Assert.Throws<IkeStartException>(() => PeerAuthenticators.ReadPsk(path, "peers[2].pskFile"));
        Assert.Equal($"peers[2].pskFile: {path}: {why}", e.Message);
    }

    [Fact]
    public void The_responder_is_the_peer_without_address_else_one_that_waits()
    {
        var waits = new PeerOptions { Name = "b", Address = "198.18.0.2" };
        var starts = new PeerOptions { Name = "a", Address = "198.18.0.3", StartAction = StartAction.Start };
        var anyone = new PeerOptions { Name = "c" };
        Assert.Same(waits, IkeService.ResponderPeer(new HostConfig { Policy = new(), Peers = [starts, waits] }));
        Assert.Same(anyone, IkeService.ResponderPeer(new HostConfig { Policy = new(), Peers = [starts, waits, anyone] }));
        Assert.Same(starts, IkeService.ResponderPeer(new HostConfig { Policy = new(), Peers = [starts] }));
        Assert.Null(IkeService.ResponderPeer(new HostConfig { Policy = new() }));
    }

    [Fact]
    public void The_local_address_is_configured_or_taken_from_the_route_to_a_peer()
    {
        Assert.Equal(IPAddress.Parse("198.18.0.9"),
            IkeService.LocalAddress(new HostConfig { Policy = new(), Ike = new IkeOptions { LocalAddress = "198.18.0.9" } }));
        Assert.Equal(IPAddress.Loopback,
            IkeService.LocalAddress(new HostConfig { Policy = new(), Peers = [new PeerOptions { Name = "p", Address = "127.0.0.1" }] }));
        var e = Assert.Throws<IkeStartException>(() =>
            IkeService.LocalAddress(new HostConfig { Policy = new(), Peers = [new PeerOptions { Name = "p" }] }));
        Assert.Equal("ike.localAddress: required when no peer has an address", e.Message);
    }

    [Fact]
    public void A_reload_names_the_sections_that_need_a_restart()
    {
        var running = new HostConfig { Policy = new(), Peers = [new PeerOptions { Name = "a" }], Tun = new TunOptions() };
        var same = new HostConfig { Policy = new() { Source = "other.pol" }, Peers = [new PeerOptions { Name = "a" }], Tun = new TunOptions() };
        var changed = new HostConfig
        {
            Policy = new(),
            Peers = [new PeerOptions { Name = "b" }],
            Ike = new IkeOptions { Port = 1500 },
            Trust = new TrustOptions(),
        };
        Assert.Empty(Reloader.StartOnlySections(running, same));
        Assert.Equal(["peers", "ike", "tun", "identity/trust"], Reloader.StartOnlySections(running, changed));
    }

    private IkeService Service(string path, HostConfig config) =>
        new(new DaemonState(path, config, DateTimeOffset.UnixEpoch), new PolicyService(TimeProvider.System, NullLogger<PolicyService>.Instance),
            new EspSaTable(), new DataPathCounters(), NullLoggerFactory.Instance);

    /// <summary>A configuration with one peer on loopback: certificates (with <paramref name="identityKey"/> as the key file) or a PSK.</summary>
    private string Config(string? identityKey = null, string? psk = null, int natPort = 0)
    {
        _dir.Write("p.pol", Figure1.Source);
        (string cert, string key) = TestCertificates.Write(_dir.Path, "host", "host.example.com");
        if (identityKey is not null)
        {
            File.WriteAllText(key, identityKey);
        }

        string auth = psk is null ? "" : """ "auth": "psk", "pskFile": "peer.psk", """;
        if (psk is not null)
        {
            _dir.Write("peer.psk", psk);
        }

        string socket = _dir.File("run/control.sock");
        int port = FreeUdpPort();
        natPort = natPort == 0 ? FreeUdpPort() : natPort;
        return _dir.Write("config.json", $$"""
            {
              "identity": { "certificate": "{{cert}}", "key": "{{key}}" },
              "trust": { "anchors": [ "{{cert}}" ] },
              "ike": { "localAddress": "127.0.0.1", "port": {{port}}, "natPort": {{natPort}} },
              "peers": [ { "name": "peer", "address": "127.0.0.1", {{auth}} "remoteSubnets": [ "198.19.9.0/24" ] } ],
              "tun": { "name": "ifwunit0", "addresses": [ "198.19.8.1/24" ] },
              "policy": { "source": "p.pol" },
              "firewall": { "nftables": false },
              "control": { "socket": "{{socket}}" }
            }
            """);
    }

    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}
