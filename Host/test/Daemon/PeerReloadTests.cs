using IpsecFw.Host.Configuration;
using IpsecFw.Host.Control;
using IpsecFw.Host.Daemon;
using IpsecFw.Host.Tests.Support;
using IpsecFw.Ike.Config;
using Microsoft.Extensions.Logging.Abstractions;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>
/// Peers changed by a reload: the comparison by name (<see cref="IkeService.Diff"/>: removed, added, changed = removed
/// + added, untouched; the peers whose change waits for a restart stay as they run), and the <see cref="Reloader"/>'s
/// use of an <see cref="IPeerReloader"/> (a refusal keeps the running configuration; an accepted file is applied after
/// the policy). The SAs, routes and traffic are tested between daemons in <c>interop-tests/Daemon/DaemonPeerReloadTests</c>.
/// </summary>
public sealed class PeerReloadTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Peers_are_compared_by_name_and_only_the_changed_ones_move()
    {
        PeerOptions a = Peer("a", "198.18.0.2", StartAction.Start), b = Peer("b", "198.18.0.3", StartAction.Trap), c = Peer("c", "198.18.0.4", StartAction.None);
        PeerOptions aSame = Peer("a", "198.18.0.2", StartAction.Start), bChanged = Peer("b", "198.18.0.3", StartAction.Trap, "198.19.30.0/24"),
            d = Peer("d", "198.18.0.5", StartAction.Start);

        var (peers, removed, added, changed, needRestart) = IkeService.Diff(Running(a, b, c), [aSame, bChanged, d]);

        Assert.Equal(["b", "c"], removed);
        Assert.Equal([bChanged, d], added);
        Assert.Equal(["b"], changed);
        Assert.Empty(needRestart);
        Assert.Equal([aSame, bChanged, d], peers);

        // Nothing changed: nothing moves.
        var same = IkeService.Diff(Running(a, b), [aSame, Peer("b", "198.18.0.3", StartAction.Trap)]);
        Assert.Empty(same.Removed);
        Assert.Empty(same.Added);
    }

    [Fact]
    public void A_peer_with_inside_or_host_addresses_keeps_running_as_it_was_until_a_restart()
    {
        PeerOptions laptop = Peer("office", "198.18.0.2", StartAction.Start);
        laptop.RequestAddress = true;
        PeerOptions moved = Peer("office", "198.18.0.9", StartAction.Start);
        moved.RequestAddress = true;
        PeerOptions host = Peer("host", "198.18.0.3", StartAction.Trap);
        host.ProtectPeerAddress = true;
        PeerOptions pooled = Peer("pooled", null, StartAction.None);
        pooled.Pool = "laptops";

        var (peers, removed, added, _, needRestart) = IkeService.Diff(Running(laptop, host), [moved, pooled]);

        Assert.Empty(removed);
        Assert.Empty(added);
        Assert.Equal(["office: requestAddress", "host: its removal (protectPeerAddress)", "pooled: its addition (pool)"],
            needRestart.Select(n => $"{n.Peer}: {n.What}"));
        Assert.Equal([laptop, host], peers); // the running versions; the pooled peer is not added
    }

    [Fact]
    public async Task A_reload_whose_peers_cannot_be_used_is_refused_and_the_running_configuration_stays()
    {
        string path = Write(peers: """[ { "name": "a", "address": "198.18.0.2", "startAction": "start", "auth": "psk", "pskFile": "a.psk" } ]""");
        HostConfig running = ConfigLoader.Load(path).Config!;
        var state = new DaemonState(path, running, DateTimeOffset.UnixEpoch);
        var policy = new PolicyService(TimeProvider.System, NullLogger<PolicyService>.Instance);
        Assert.True(policy.Load(running));
        var peers = new FakePeers { Refusal = "peers[1].pskFile: /x/b.psk: cannot be read (not found)" };
        using var reloader = new Reloader(state, policy, NullLogger<Reloader>.Instance, peers: peers);

        Write(peers: """[ { "name": "a", "address": "198.18.0.2", "startAction": "start", "auth": "psk", "pskFile": "a.psk" }, { "name": "b", "address": "198.18.0.3", "auth": "psk", "pskFile": "a.psk" } ]""");
        (bool ok, string message) = await reloader.ReloadAsync("test", TestContext.Current.CancellationToken);

        Assert.False(ok);
        Assert.Equal("configuration refused: peers[1].pskFile: /x/b.psk: cannot be read (not found)", message);
        Assert.Same(running, state.Config);
        Assert.Equal(1, peers.Prepared);
        Assert.Equal(0, peers.Applied);
    }

    [Fact]
    public async Task A_reload_with_changed_peers_applies_them_and_one_without_does_not_ask()
    {
        string path = Write(peers: """[ { "name": "a", "address": "198.18.0.2", "startAction": "start", "auth": "psk", "pskFile": "a.psk" } ]""");
        HostConfig running = ConfigLoader.Load(path).Config!;
        var state = new DaemonState(path, running, DateTimeOffset.UnixEpoch);
        var policy = new PolicyService(TimeProvider.System, NullLogger<PolicyService>.Instance);
        Assert.True(policy.Load(running));
        var peers = new FakePeers();
        using var reloader = new Reloader(state, policy, NullLogger<Reloader>.Instance, peers: peers);
        var handler = new ControlCommandHandler(state, policy, new EmptySaSource(), [], reloader, TimeProvider.System, peers: peers);

        // The same file again: the peer side is not asked.
        Assert.True((await reloader.ReloadAsync("test", TestContext.Current.CancellationToken)).Ok);
        Assert.Equal(0, peers.Prepared);

        Write(peers: """[ { "name": "a", "address": "198.18.0.2", "startAction": "start", "auth": "psk", "pskFile": "a.psk" }, { "name": "b", "address": "198.18.0.3", "auth": "psk", "pskFile": "a.psk" } ]""");
        ControlResponse response = await handler.HandleAsync(new ControlRequest { Command = "reload" }, TestContext.Current.CancellationToken);
        Assert.True(response.Ok, response.Error);
        Assert.EndsWith("; peers: added b", response.Message, StringComparison.Ordinal);
        Assert.Equal(2, state.Config.Peers.Count);
        Assert.Equal((1, 1), (peers.Prepared, peers.Applied));

        // terminate goes to the same service; a request without a peer is refused before.
        response = await handler.HandleAsync(new ControlRequest { Command = "terminate", Peer = "b", ChildrenOnly = true }, TestContext.Current.CancellationToken);
        Assert.Equal("b children", response.Message);
        response = await handler.HandleAsync(new ControlRequest { Command = "terminate" }, TestContext.Current.CancellationToken);
        Assert.False(response.Ok);
        Assert.Equal("terminate: a peer name is required", response.Error);
    }

    private static Dictionary<string, PeerOptions> Running(params PeerOptions[] peers) => peers.ToDictionary(p => p.Name, StringComparer.Ordinal);

    private static PeerOptions Peer(string name, string? address, StartAction start, string remote = "198.19.2.0/24") =>
        new() { Name = name, Address = address, StartAction = start, RemoteSubnets = [remote] };

    private string Write(string peers)
    {
        _dir.Write("p.pol", Figure1.Source);
        _dir.Write("a.psk", "not a real secret");
        return _dir.Write("config.json", $$"""
            {
              "peers": {{peers}},
              "policy": { "source": "p.pol", "self": "host1.example.com" },
              "control": { "socket": "{{_dir.File("run/control.sock")}}" }
            }
            """);
    }

    /// <summary>Records the calls; <see cref="Refusal"/> makes <see cref="Prepare"/> refuse.</summary>
    private sealed class FakePeers : IPeerReloader
    {
        public string? Refusal { get; init; }

        public int Prepared { get; private set; }

        public int Applied { get; private set; }

        public PeerReload Prepare(HostConfig loaded)
        {
            Prepared++;
            if (Refusal is not null)
            {
                throw new IkeStartException(Refusal);
            }

            var (peers, removed, added, changed, needRestart) = IkeService.Diff(new Dictionary<string, PeerOptions>(), loaded.Peers.Skip(1).ToList());
            return new PeerReload(peers, removed, added, changed, needRestart, new Dictionary<string, IkeSaConfig>(), null);
        }

        public Task<string> ApplyAsync(PeerReload reload, CancellationToken cancellationToken)
        {
            Applied++;
            return Task.FromResult("peers: added " + string.Join(", ", reload.Added.Select(p => p.Name)));
        }

        public Task<(bool Ok, string Message)> TerminateAsync(string peer, bool childrenOnly, CancellationToken cancellationToken) =>
            Task.FromResult((true, peer + (childrenOnly ? " children" : " all")));
    }
}
