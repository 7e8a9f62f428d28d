using System.Net;
using IpsecFw.Host.Configuration;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Tun;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Peers changed by a reload (SIGHUP, <c>ipsecfw reload</c>), compared by name: a peer gone from the file is removed
/// (its trap, held packets and retries dropped; its SAs deleted with INFORMATIONAL DELETE; the routes of subnets no
/// other peer has taken out of the TUN device); a new one is added (routes, trap, started per <c>startAction</c>); a
/// changed one is removed, then added; the others are not touched (their SAs and traffic keep running). A peer with
/// <c>pool</c>, <c>requestAddress</c> or <c>protectPeerAddress</c> (before or after) is left as it runs until the next
/// start, and logged. <c>ike</c>, <c>tun</c>, <c>identity</c> and <c>trust</c> are still read at start only; added
/// peers use the local IKE address of the start.
/// </summary>
public sealed partial class IkeService
{
    private static readonly TimeSpan s_deleteWait = TimeSpan.FromSeconds(2);

    /// <inheritdoc/>
    public PeerReload Prepare(HostConfig loaded)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        if (_local is not { } local || Engine is null)
        {
            throw new IkeStartException("peers: the IKE engine is not running, so peers cannot change without a restart");
        }

        (List<PeerOptions> peers, List<string> removed, List<PeerOptions> added, List<string> changed, List<(string Peer, string What)> needRestart) =
            Diff(_peers, loaded.Peers);
        Dictionary<string, IkeSaConfig> configs = _configs;
        var nextConfigs = new Dictionary<string, IkeSaConfig>(StringComparer.Ordinal);
        PeerAuthenticators? auth = added.Count > 0 ? PeerAuthenticators.Load(loaded, local) : null;
        foreach (PeerOptions peer in peers)
        {
            nextConfigs[peer.Name] = added.Contains(peer) ? PeerSaConfigs.Build(peer, auth!.For(peer.Name), local, _ike) : configs[peer.Name];
        }

        return new PeerReload(peers, removed, added, changed, needRestart, nextConfigs, auth);
    }

    /// <summary>
    /// The peers of a reload compared by name with the <paramref name="running"/> ones: removed, added, changed (in
    /// both lists), those whose change waits for a restart (<see cref="RestartOnly"/>), and the peer list afterwards.
    /// </summary>
    internal static (List<PeerOptions> Peers, List<string> Removed, List<PeerOptions> Added, List<string> Changed, List<(string Peer, string What)> NeedRestart) Diff(
        IReadOnlyDictionary<string, PeerOptions> running, IReadOnlyList<PeerOptions> loaded)
    {
        Dictionary<string, PeerOptions> next = loaded.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var removed = new List<string>();
        var added = new List<PeerOptions>();
        var changed = new List<string>();
        var needRestart = new List<(string Peer, string What)>();
        foreach ((string name, PeerOptions old) in running)
        {
            if (!next.TryGetValue(name, out PeerOptions? now))
            {
                if (RestartOnly(old) is { } what)
                {
                    needRestart.Add((name, "its removal (" + what + ")"));
                }
                else
                {
                    removed.Add(name);
                }
            }
            else if (Reloader.Json(old) != Reloader.Json(now))
            {
                if ((RestartOnly(old) ?? RestartOnly(now)) is { } what)
                {
                    needRestart.Add((name, what));
                }
                else
                {
                    removed.Add(name);
                    added.Add(now);
                    changed.Add(name);
                }
            }
        }

        foreach (PeerOptions peer in loaded.Where(p => !running.ContainsKey(p.Name)))
        {
            if (RestartOnly(peer) is { } what)
            {
                needRestart.Add((peer.Name, "its addition (" + what + ")"));
            }
            else
            {
                added.Add(peer);
            }
        }

        // The peers afterwards: the file's, except that one whose change waits for a restart stays as it runs.
        var kept = needRestart.Select(n => n.Peer).ToHashSet(StringComparer.Ordinal);
        var peers = new List<PeerOptions>(loaded.Count);
        foreach (PeerOptions peer in loaded)
        {
            if (!kept.Contains(peer.Name))
            {
                peers.Add(peer);
            }
            else if (running.TryGetValue(peer.Name, out PeerOptions? old))
            {
                peers.Add(old);
            }
        }

        peers.AddRange(running.Values.Where(p => kept.Contains(p.Name) && !next.ContainsKey(p.Name)));
        return (peers, removed, added, changed, needRestart);
    }

    /// <inheritdoc/>
    public async Task<string> ApplyAsync(PeerReload reload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reload);
        foreach ((string peer, string what) in reload.NeedRestart)
        {
            HostLog.PeerNeedsRestart(_log, peer, what);
        }

        if (_stopping || Engine is not { } engine || _tun is not { } tun)
        {
            return "peers: not applied (the IKE engine is not running)";
        }

        if (reload.IsEmpty)
        {
            return reload.NeedRestart.Count == 0 ? "peers: unchanged" : $"peers: {reload.NeedRestart.Count} changes need a restart";
        }

        if (reload.TakeCredentials() is { } auth)
        {
            _auths.Add(auth);
        }

        // Removed (and changed) peers first: nothing of theirs may be left when a changed one starts again.
        Dictionary<string, PeerOptions> before = _peers;
        var deleted = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string name in reload.Removed)
        {
            lock (_attemptLock)
            {
                _restarted.Remove(name);
                _attempts.Remove(name);
            }

            _initiated = _initiated.Where(i => i.Key != name).ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);
            _acquires.RemoveTrap(name);
            try
            {
                deleted[name] = await engine.DeletePeerAsync(name, "peer removed from the configuration", s_deleteWait)
                    .WaitAsync(s_deleteWait + s_stepBound, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                HostLog.StopStepTimedOut(_log, $"deleting the SAs of peer {name}");
            }
        }

        _peerList = reload.Peers;
        _peers = reload.Peers.ToDictionary(p => p.Name, StringComparer.Ordinal);
        _configs = reload.Configs;
        PeerOptions? responder = ResponderPeer(reload.Peers);
        Func<IPEndPoint, IkeSaConfig?> byAddress = ResponderConfigs(reload.Peers, reload.Configs);
        ResponderIdentityChooser chooser = IdentityChooserOf(reload.Peers, reload.Configs);
        IkeSaConfig? responderConfig = responder is null ? null : reload.Configs[responder.Name];
        await engine.InvokeAsync(() =>
        {
            engine.ResponderConfig = responderConfig;
            engine.ResponderConfigSelector = byAddress;
            engine.ResponderIdentityChooser = chooser;
            return 0;
        }).WaitAsync(s_stepBound, cancellationToken).ConfigureAwait(false);

        List<IPNetwork> unrouted = Reroute(tun.Name, reload.Peers);
        foreach (string name in reload.Removed)
        {
            HostLog.PeerRemoved(_log, name, deleted.GetValueOrDefault(name), string.Join(", ", unrouted.Where(n => RoutedBy(name, n))));
        }

        var starting = new List<string>();
        foreach (PeerOptions peer in reload.Added)
        {
            if (peer.StartAction != StartAction.None && IpPrefix.TryParseAddress(peer.Address, out IPAddress? remote))
            {
                _initiated = new Dictionary<string, (IkeSaConfig, IPEndPoint)>(_initiated, StringComparer.Ordinal)
                {
                    [peer.Name] = (reload.Configs[peer.Name], new IPEndPoint(remote, peer.Port)),
                };
                if (peer.StartAction == StartAction.Start)
                {
                    lock (_attemptLock)
                    {
                        _restarted.Add(peer.Name);
                    }

                    starting.Add(peer.Name);
                }

                Trap(peer);
            }

            HostLog.PeerAdded(_log, peer.Name, peer.StartAction.ToString().ToLowerInvariant());
        }

        foreach (string name in starting)
        {
            _ = InitiateAsync(name, TimeSpan.Zero);
        }

        string summary = Summary(reload);
        HostLog.PeersApplied(_log, summary);
        return summary;

        bool RoutedBy(string name, IPNetwork network) =>
            before.TryGetValue(name, out PeerOptions? old) && old.RemoteSubnets.Any(t => IpPrefix.TryParse(t, out IpPrefix p) && new IPNetwork(p.Network, p.Length) == network);
    }

    /// <inheritdoc/>
    public async Task<(bool Ok, string Message)> TerminateAsync(string peer, bool childrenOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (!_peers.ContainsKey(peer))
        {
            return (false, $"no peer '{peer}' in the running configuration (the peers are: {string.Join(", ", _peers.Keys.Order(StringComparer.Ordinal))})");
        }

        if (_stopping || Engine is not { } engine)
        {
            return (false, "the IKE engine is not running");
        }

        int count = await engine.TerminateAsync(peer, childrenOnly, "terminated by the operator").WaitAsync(s_stepBound, cancellationToken).ConfigureAwait(false);
        string what = childrenOnly ? "CHILD_SAs" : "IKE SAs";
        HostLog.Terminated(_log, peer, what, count);
        return (true, count == 0 ? $"peer {peer}: no {what} to delete" : $"peer {peer}: DELETE sent for {count} {what}");
    }

    /// <summary>What makes a peer's change wait for a restart: the inside-address and host-address machinery is set up at start.</summary>
    private static string? RestartOnly(PeerOptions peer) =>
        peer.Pool is not null ? "pool" : peer.RequestAddress ? "requestAddress" : peer.ProtectPeerAddress ? "protectPeerAddress" : null;

    /// <summary>Makes the TUN device's routes those of <paramref name="peers"/>' <c>remoteSubnets</c>; returns the routes taken out.</summary>
    private List<IPNetwork> Reroute(string device, IReadOnlyList<PeerOptions> peers)
    {
        var wanted = new HashSet<IPNetwork>();
        foreach (string text in peers.SelectMany(p => p.RemoteSubnets))
        {
            if (IpPrefix.TryParse(text, out IpPrefix p))
            {
                wanted.Add(new IPNetwork(p.Network, p.Length));
            }
        }

        var ip = new IpCommand();
        var unrouted = new List<IPNetwork>();
        foreach (IPNetwork network in _routed.Where(n => !wanted.Contains(n)).ToList())
        {
            try
            {
                ip.DeleteRoute(device, network);
                unrouted.Add(network);
            }
            catch (TunException e)
            {
                HostLog.PeerRouteFailed(_log, network.ToString(), device, e.Message);
            }

            _routed.Remove(network);
        }

        foreach (IPNetwork network in wanted.Where(n => !_routed.Contains(n)))
        {
            try
            {
                ip.ReplaceRoute(device, network);
                _routed.Add(network);
            }
            catch (TunException e)
            {
                HostLog.PeerRouteFailed(_log, network.ToString(), device, e.Message);
            }
        }

        return unrouted;
    }

    private static string Summary(PeerReload reload)
    {
        string[] parts =
        [
            Part("added", reload.Added.Where(p => !reload.Changed.Contains(p.Name)).Select(p => p.Name)),
            Part("removed", reload.Removed.Where(n => !reload.Changed.Contains(n))),
            Part("changed", reload.Changed),
            Part("need a restart", reload.NeedRestart.Select(n => n.Peer)),
        ];
        string text = string.Join("; ", parts.Where(p => p.Length > 0));
        return "peers: " + (text.Length == 0 ? "unchanged" : text);

        static string Part(string what, IEnumerable<string> names)
        {
            string list = string.Join(", ", names);
            return list.Length == 0 ? string.Empty : what + " " + list;
        }
    }
}
