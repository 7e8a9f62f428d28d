using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using IpsecFw.Esp.Sa;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Daemon;

// Per-process keying (the paper's FTP example, docs/architecture.md "Per-process rules and keyed CHILD_SAs"): the
// CHILD_SAs dedicated to one program, the requests for new ones, and the affinity that brings a program's related
// connections back on the SA its peer used.
public sealed partial class SpdPacketFilter
{
    /// <summary>A keyed flow whose CHILD_SA has been asked for waits this long before the request is repeated.</summary>
    public const long DedicatedRetryMilliseconds = 3000;

    /// <summary>At most this many (peer address, program) affinities are remembered.</summary>
    public const int MaxAffinities = 4096;

    private readonly ConcurrentDictionary<uint, DedicatedSa> _dedicatedBySpi = new();
    private readonly ConcurrentDictionary<(string Peer, string Program), DedicatedSa> _keyed = new();
    private readonly ConcurrentDictionary<(string Peer, string Program), long> _requested = new();
    private readonly ConcurrentDictionary<(UInt128 Remote, string Program), (FlowKey Flow, uint Spi)> _affinity = new();
    private readonly ConcurrentDictionary<UInt128, int> _affinityRemotes = new();
    private readonly Dictionary<uint, DedicatedRoute> _pendingRoutes = [];
    private long _dedicatedRequests;

    /// <summary>
    /// Asks IKE for a CHILD_SA dedicated to a program with a peer (peer name, program path); set by the daemon to
    /// <c>IkeEngine.CreateDedicatedChildAsync</c>. Called on a packet thread: must only post the work.
    /// </summary>
    public Action<string, string>? DedicatedSaRequester { get; set; }

    /// <summary>Dedicated CHILD_SAs installed now (generations of one pair count once).</summary>
    public int DedicatedSaCount => _dedicatedBySpi.Values.Distinct().Count();

    /// <summary>Requests for a dedicated CHILD_SA sent to IKE.</summary>
    public long DedicatedSaRequests => Interlocked.Read(ref _dedicatedRequests);

    /// <summary>
    /// A dedicated CHILD_SA pair is installed (<see cref="Ike.Sa.ChildSa.Dedicated"/>): flows are steered onto
    /// <paramref name="outbound"/> to <paramref name="remote"/>. <paramref name="program"/> is the program it was asked
    /// for (null when the peer asked); <paramref name="replacesInboundSpi"/> the inbound SPI of the pair a rekey
    /// replaces, whose connections stay with it. <paramref name="active"/>: outbound traffic may use it now (a rekey's
    /// responder waits for <see cref="ActivateDedicatedSa"/>).
    /// </summary>
    public void AddDedicatedSa(uint inboundSpi, uint outboundSpi, uint replacesInboundSpi, string peerName, string? program,
        EspSa outbound, IPEndPoint remote, bool active)
    {
        ArgumentNullException.ThrowIfNull(peerName);
        ArgumentNullException.ThrowIfNull(outbound);
        ArgumentNullException.ThrowIfNull(remote);
        lock (_lock)
        {
            if (replacesInboundSpi == 0 || !_dedicatedBySpi.TryGetValue(replacesInboundSpi, out DedicatedSa? entry))
            {
                entry = new DedicatedSa(peerName, program);
            }

            entry.Live++;
            entry.Spis.Add(inboundSpi);
            entry.Spis.Add(outboundSpi);
            var route = new DedicatedRoute(outbound, remote.Serialize());
            if (active || entry.Route is null)
            {
                entry.Route = route;
            }
            else
            {
                _pendingRoutes[inboundSpi] = route;
            }

            _dedicatedBySpi[inboundSpi] = entry;
            _dedicatedBySpi[outboundSpi] = entry;
            if (program is not null)
            {
                _keyed[(peerName, program)] = entry;
                _requested.TryRemove((peerName, program), out _);
            }

            EnforcementLog.DedicatedUp(_logger, inboundSpi.ToString("x8", CultureInfo.InvariantCulture),
                outboundSpi.ToString("x8", CultureInfo.InvariantCulture), peerName, program ?? "(a program of the peer's choosing)");
        }
    }

    /// <summary>A rekey's new pair (<paramref name="inboundSpi"/>) now carries the dedicated SA's outbound traffic.</summary>
    public void ActivateDedicatedSa(uint inboundSpi)
    {
        lock (_lock)
        {
            if (_pendingRoutes.Remove(inboundSpi, out DedicatedRoute? route) && _dedicatedBySpi.TryGetValue(inboundSpi, out DedicatedSa? entry))
            {
                entry.Route = route;
            }
        }
    }

    /// <summary>A generation of a dedicated pair is gone; when it was the last one, the whole entry and its affinities go.</summary>
    public void RemoveDedicatedSa(uint inboundSpi)
    {
        lock (_lock)
        {
            _pendingRoutes.Remove(inboundSpi);
            if (!_dedicatedBySpi.TryGetValue(inboundSpi, out DedicatedSa? entry) || --entry.Live > 0)
            {
                return;
            }

            foreach (uint spi in entry.Spis)
            {
                _dedicatedBySpi.TryRemove(spi, out _);
            }

            if (entry.Program is { } program && _keyed.TryGetValue((entry.PeerName, program), out DedicatedSa? current) && current == entry)
            {
                _keyed.TryRemove((entry.PeerName, program), out _);
            }

            foreach (KeyValuePair<(UInt128 Remote, string Program), (FlowKey Flow, uint Spi)> a in _affinity)
            {
                if (entry.Spis.Contains(a.Value.Spi))
                {
                    RemoveAffinity(a.Key);
                }
            }
        }
    }

    /// <summary>The route a flow admitted on <paramref name="spi"/> keeps, when that SA is dedicated; else null. Packet path.</summary>
    private DedicatedRoute? RouteOf(uint spi) =>
        !_dedicatedBySpi.IsEmpty && _dedicatedBySpi.TryGetValue(spi, out DedicatedSa? d) ? d.Route : null;

    /// <summary>The dedicated CHILD_SA for (peer, program), or null after asking IKE for one (at most every <see cref="DedicatedRetryMilliseconds"/>).</summary>
    private DedicatedSa? KeyedSa(SaPeer peer, string program, int rule, long now)
    {
        if (_keyed.TryGetValue((peer.PeerName, program), out DedicatedSa? d) && d.Route is not null)
        {
            return d;
        }

        if (_requested.TryGetValue((peer.PeerName, program), out long at) && now - at < DedicatedRetryMilliseconds)
        {
            return null;
        }

        _requested[(peer.PeerName, program)] = now;
        if (DedicatedSaRequester is { } request)
        {
            Interlocked.Increment(ref _dedicatedRequests);
            EnforcementLog.DedicatedRequested(_logger, peer.PeerName, program, rule);
            request(peer.PeerName, program);
        }

        return null;
    }

    /// <summary>
    /// A connection from <paramref name="flow"/>'s remote side to <paramref name="program"/> was accepted on a dedicated
    /// SA: the program's new connections to that remote host follow it there while it lives.
    /// </summary>
    private void RememberAffinity(in FlowKey flow, string program, uint spi)
    {
        var key = (flow.Source, program);
        if (_affinity.Count >= MaxAffinities && !_affinity.ContainsKey(key))
        {
            return;
        }

        if (_affinity.TryAdd(key, (flow, spi)))
        {
            _affinityRemotes.AddOrUpdate(flow.Source, 1, static (_, n) => n + 1);
        }
        else
        {
            _affinity[key] = (flow, spi);
        }
    }

    /// <summary>True when some program has an affinity with <paramref name="remote"/> (then new outbound flows to it need their program).</summary>
    private bool HasAffinity(UInt128 remote) => !_affinityRemotes.IsEmpty && _affinityRemotes.ContainsKey(remote);

    /// <summary>The dedicated route of the live connection <paramref name="program"/> accepted from <paramref name="remote"/>, or null.</summary>
    private DedicatedRoute? AffinityRoute(UInt128 remote, string program, long now, out uint spi)
    {
        spi = 0;
        if (!_affinity.TryGetValue((remote, program), out (FlowKey Flow, uint Spi) a))
        {
            return null;
        }

        if (!_connections.TryGet(a.Flow, now, out _) || RouteOf(a.Spi) is not { } route)
        {
            RemoveAffinity((remote, program));
            return null;
        }

        spi = route.Sa.Spi;
        return route;
    }

    private void RemoveAffinity((UInt128 Remote, string Program) key)
    {
        if (_affinity.TryRemove(key, out _))
        {
            while (_affinityRemotes.TryGetValue(key.Remote, out int n))
            {
                if (n <= 1 ? _affinityRemotes.TryRemove(new KeyValuePair<UInt128, int>(key.Remote, n)) : _affinityRemotes.TryUpdate(key.Remote, n - 1, n))
                {
                    break;
                }
            }
        }
    }
}
