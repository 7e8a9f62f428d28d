using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Threading.Channels;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Control;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Sa;
using IpsecFw.Tun;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Inside addresses by configuration payload (RFC 7296 2.19), on both sides of the daemon.
/// <para>
/// Client (<c>peers[].requestAddress</c>, <c>peers[].requestAddress6</c>): the IKE SA asks for an IPv4 address, an
/// IPv6 address or both, and DNS servers; once it is established each address is put on the TUN device as a /32 or
/// /128 and becomes the preferred source of the routes to the peer's <c>remoteSubnets</c> of its family
/// (<c>ip route replace ... src</c>), so the kernel sends corporate traffic from the lease, which is the CHILD_SA's TSi. Internet traffic keeps the default route. When the SA goes, the routes are put back
/// without a source first (the kernel would delete routes whose source address disappears, and corporate traffic
/// would leave in clear by the default route), then the address is removed: the routes stay in the TUN device, where
/// the outbound loop drops and counts what has no SA (<c>datapath drops.no_sa</c>). A new lease replaces the old one.
/// Linux flushes every route of a device whose last IPv4 address goes, so a TUN device without <c>tun.addresses</c>
/// holds the IPv4 dummy address <see cref="Placeholder"/> (RFC 7600 4.8, 192.0.0.8/32) for as long as the daemon runs:
/// the lease is never its last address, and what is sent to the office without a lease has that source and is dropped.
/// IPv6 needs no placeholder: Linux keeps IPv6 routes when their preferred source goes (it only clears the source).
/// The policy is specialised again with the leases (<see cref="PolicyService.SetLeasedAddresses"/>).
/// </para>
/// <para>
/// Gateway (<c>peers[].pool</c>, <c>peers[].pool6</c>): the pools of <c>pools[]</c> become the responder's
/// <see cref="AddressPool"/> of each family (IPv4 answers INTERNAL_IP4_ADDRESS, IPv6 INTERNAL_IP6_ADDRESS) with their
/// DNS servers, the pools' prefixes are routed into the TUN device, and the peer's selectors default to the pools. The engine narrows TSi to the lease, so the outbound loop routes the lease to its CHILD_SA; the engine
/// releases the lease when the SA closes.
/// </para>
/// <para>
/// The engine's events come on the IKE loop; the <c>ip</c> commands run on a worker of their own, in event order, so
/// the loop never waits for a process.
/// </para>
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class VirtualAddresses : IStatusSource, IDisposable
{
    private static readonly TimeSpan s_drainBound = TimeSpan.FromSeconds(5);

    /// <summary>The IPv4 dummy address (RFC 7600 4.8) a TUN device without addresses of its own holds under the leases.</summary>
    public static IPAddress Placeholder { get; } = IPAddress.Parse("192.0.0.8");

    private readonly HostConfig _config;
    private readonly PolicyService _policy;
    private readonly ILogger _log;
    private readonly Dictionary<string, (AddressPool Pool, IReadOnlyList<IPAddress> Dns)> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Peer, AddressFamily Family), string> _poolOfPeer = [];
    private readonly Channel<Action> _work = Channel.CreateUnbounded<Action>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Dictionary<(string Peer, AddressFamily Family), Lease> _leases = [];
    private readonly IpCommand _ip = new();
    private IkeEngine? _engine;
    private string _device = string.Empty;
    private Task? _worker;
    private long _installed;
    private long _removed;
    private long _failed;
    private int _held;

    /// <summary>Pools and requests of the daemon's configuration.</summary>
    public VirtualAddresses(DaemonState state, PolicyService policy, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(loggers);
        _config = state.Config;
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _log = loggers.CreateLogger<VirtualAddresses>();
        // Every peer can answer a CP request: one with an address by that address at IKE_SA_INIT, any peer by the identity
        // claimed at IKE_AUTH (RFC 7296 2.15, ResponderIdentityChooser), so a pool of any peer is served.
        foreach (PeerOptions peer in _config.Peers)
        {
            foreach (string name in new[] { peer.Pool, peer.Pool6 }.OfType<string>())
            {
                PoolOptions? options = _config.Pools.FirstOrDefault(p => p.Name == name);
                string? unused = options is null ? "no such pool"
                    : !IpPrefix.TryParse(options.Prefix, out IpPrefix prefix) ? "its prefix does not parse"
                    : _poolOfPeer.ContainsKey((peer.Name, prefix.Address.AddressFamily)) ? "the peer has a pool of that address family already"
                    : null;
                if (unused is not null)
                {
                    HostLog.PoolUnused(_log, name, peer.Name, unused);
                    continue;
                }

                // Peers that name the same pool share it: one address is never given twice.
                IpPrefix p = IpPrefix.TryParse(options!.Prefix, out IpPrefix parsed) ? parsed : default;
                if (!_pools.ContainsKey(options.Name))
                {
                    IReadOnlyList<IPAddress> dns = [.. options.Dns.Select(d => IpPrefix.TryParseAddress(d, out IPAddress? a) ? a : null).OfType<IPAddress>()];
                    _pools[options.Name] = (new AddressPool(new IPNetwork(p.Network, p.Length)), dns);
                }

                _poolOfPeer[(peer.Name, p.Address.AddressFamily)] = options.Name;
            }
        }
    }

    /// <inheritdoc/>
    public string Component => "addresses";

    /// <summary>The pool that answers <paramref name="peerName"/>'s CP requests for addresses of <paramref name="family"/>, if any.</summary>
    public AddressPool? PoolOf(string peerName, AddressFamily family = AddressFamily.InterNetwork) =>
        _poolOfPeer.TryGetValue((peerName, family), out string? name) ? _pools[name].Pool : null;

    /// <summary>
    /// <paramref name="config"/> with this peer's CP settings: a request for an address (client), or the pool, its DNS
    /// servers and, when <c>remoteSubnets</c> is empty, the pool as the peer's selectors (gateway).
    /// </summary>
    public IkeSaConfig Apply(PeerOptions peer, IkeSaConfig config)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(config);
        if (peer.RequestAddress || peer.RequestAddress6)
        {
            config = config with { RequestVirtualIp = peer.RequestAddress, RequestVirtualIpv6 = peer.RequestAddress6 };
        }

        List<(AddressPool Pool, IReadOnlyList<IPAddress> Dns)> served = [];
        foreach (AddressFamily family in (AddressFamily[])[AddressFamily.InterNetwork, AddressFamily.InterNetworkV6])
        {
            if (_poolOfPeer.TryGetValue((peer.Name, family), out string? poolName))
            {
                served.Add(_pools[poolName]);
            }
        }

        if (served.Count > 0)
        {
            config = config with
            {
                AddressPool = PoolOf(peer.Name, AddressFamily.InterNetwork),
                AddressPool6 = PoolOf(peer.Name, AddressFamily.InterNetworkV6),
                DnsServers = [.. served.SelectMany(s => s.Dns).Distinct()],
                RemoteTrafficSelectors = peer.RemoteSubnets.Count == 0
                    ? [.. served.Select(s => PeerSaConfigs.FromPrefix(new IpPrefix(s.Pool.Prefix.BaseAddress, s.Pool.Prefix.PrefixLength)))]
                    : config.RemoteTrafficSelectors,
            };
        }

        return config;
    }

    /// <summary>Routes the served pools into <paramref name="device"/> and follows the engine's SAs from now on.</summary>
    /// <exception cref="IkeStartException">A route could not be set.</exception>
    public void Attach(IkeEngine engine, string device)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentException.ThrowIfNullOrEmpty(device);
        _device = device;
        bool ownIpv4 = (_config.Tun?.Addresses ?? []).Any(a => IpPrefix.TryParse(a, out IpPrefix p) && p.Address.AddressFamily == AddressFamily.InterNetwork);
        if (_config.Peers.Any(p => p.RequestAddress) && !ownIpv4)
        {
            try
            {
                _ip.ReplaceAddress(device, Placeholder, 32);
            }
            catch (TunException e)
            {
                throw new IkeStartException($"tun: cannot add the placeholder address {Placeholder} to '{device}': {e.Message}", e);
            }
        }

        foreach ((string name, (AddressPool pool, IReadOnlyList<IPAddress> dns)) in _pools)
        {
            try
            {
                _ip.ReplaceRoute(device, pool.Prefix);
            }
            catch (TunException e)
            {
                throw new IkeStartException($"pools: cannot route {pool.Prefix} of pool '{name}' into '{device}': {e.Message}", e);
            }

            HostLog.PoolServing(_log, name, pool.Prefix.ToString(), Join(_poolOfPeer.Where(kv => kv.Value == name).Select(kv => kv.Key.Peer)), Join(dns), device);
        }

        _engine = engine;
        engine.Established += OnEstablished;
        engine.Closed += OnClosed;
        _worker = Task.Run(WorkAsync);
    }

    /// <summary>Stops following the engine; waits (bounded) for the address changes already queued. The TUN device's removal takes the rest.</summary>
    public void Detach()
    {
        if (_engine is { } engine)
        {
            engine.Established -= OnEstablished;
            engine.Closed -= OnClosed;
            _engine = null;
        }

        _work.Writer.TryComplete();
        if (_worker is { } worker && !worker.Wait(s_drainBound))
        {
            HostLog.StopStepTimedOut(_log, "the inside-address changes");
        }

        _worker = null;
        if (_leases.Count > 0)
        {
            _leases.Clear();
            Volatile.Write(ref _held, 0);
            _policy.SetLeasedAddresses([]);
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Detach();

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, long> ReadCounters()
    {
        var counters = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["leases.held"] = Volatile.Read(ref _held),
            ["leases.installed"] = Interlocked.Read(ref _installed),
            ["leases.removed"] = Interlocked.Read(ref _removed),
            ["leases.failed"] = Interlocked.Read(ref _failed),
        };
        foreach ((string name, (AddressPool pool, _)) in _pools)
        {
            counters[$"pool.{name}.leased"] = pool.Leased;
        }

        return counters;
    }

    private void OnEstablished(IkeSa sa)
    {
        // A rekeyed IKE SA is announced too, with the leases of the one it replaces. One address per family.
        if (sa.Config.RequestVirtualIp || sa.Config.RequestVirtualIpv6)
        {
            string peer = sa.Config.Name;
            IReadOnlyList<IPAddress> dns = sa.DnsServers;
            foreach (IPAddress lease in sa.VirtualIps.DistinctBy(a => a.AddressFamily))
            {
                _work.Writer.TryWrite(() => Install(peer, sa, lease, dns));
            }
        }
    }

    private void OnClosed(IkeSa sa, string reason)
    {
        if (sa.Config.RequestVirtualIp || sa.Config.RequestVirtualIpv6)
        {
            string peer = sa.Config.Name;
            _work.Writer.TryWrite(() => Remove(peer, sa, reason));
        }
    }

    private async Task WorkAsync()
    {
        await foreach (Action item in _work.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            item();
        }
    }

    private void Install(string peer, IkeSa holder, IPAddress lease, IReadOnlyList<IPAddress> dns)
    {
        (string, AddressFamily) key = (peer, lease.AddressFamily);
        if (_leases.TryGetValue(key, out Lease? old))
        {
            if (old.Address.Equals(lease))
            {
                // A rekeyed IKE SA (or both of a simultaneous rekey, one of which is deleted soon): the lease stays
                // while any of them lives.
                old.Holders.Add(holder);
                return;
            }

            Unconfigure(peer, old, "replaced by " + lease);
        }

        IReadOnlyList<IPNetwork> subnets = Subnets(peer, lease.AddressFamily);
        try
        {
            _ip.ReplaceAddress(_device, lease, HostBits(lease));
            foreach (IPNetwork subnet in subnets)
            {
                _ip.ReplaceRoute(_device, subnet, lease);
            }
        }
        catch (TunException e)
        {
            Interlocked.Increment(ref _failed);
            HostLog.LeaseFailed(_log, lease.ToString(), peer, e.Message);
        }

        _leases[key] = new Lease([holder], lease, dns);
        Volatile.Write(ref _held, _leases.Count);
        Interlocked.Increment(ref _installed);
        _policy.SetLeasedAddresses([.. _leases.Values.Select(l => l.Address)]);
        HostLog.LeaseInstalled(_log, peer, lease.ToString(), Join(dns), _device, Join(subnets));
    }

    private void Remove(string peer, IkeSa holder, string reason)
    {
        bool changed = false;
        foreach (AddressFamily family in (AddressFamily[])[AddressFamily.InterNetwork, AddressFamily.InterNetworkV6])
        {
            if (_leases.TryGetValue((peer, family), out Lease? lease) && lease.Holders.Remove(holder) && lease.Holders.Count == 0)
            {
                Unconfigure(peer, lease, reason);
                changed = true;
            }
        }

        if (changed)
        {
            _policy.SetLeasedAddresses([.. _leases.Values.Select(l => l.Address)]);
        }
    }

    private void Unconfigure(string peer, Lease lease, string reason)
    {
        _leases.Remove((peer, lease.Address.AddressFamily));
        Volatile.Write(ref _held, _leases.Count);
        IReadOnlyList<IPNetwork> subnets = Subnets(peer, lease.Address.AddressFamily);
        try
        {
            // Routes first, without the source: deleting the address would make the kernel delete them, and the
            // corporate destinations would then follow the default route in clear.
            foreach (IPNetwork subnet in subnets)
            {
                _ip.ReplaceRoute(_device, subnet);
            }

            _ip.DeleteAddress(_device, lease.Address, HostBits(lease.Address));
        }
        catch (TunException e)
        {
            Interlocked.Increment(ref _failed);
            HostLog.LeaseFailed(_log, lease.Address.ToString(), peer, e.Message);
        }

        Interlocked.Increment(ref _removed);
        HostLog.LeaseRemoved(_log, lease.Address.ToString(), peer, reason, Join(subnets), _device);
    }

    /// <summary>The peer's <c>remoteSubnets</c> of the lease's address <paramref name="family"/>.</summary>
    private IReadOnlyList<IPNetwork> Subnets(string peer, AddressFamily family) =>
        [.. (_config.Peers.FirstOrDefault(p => p.Name == peer)?.RemoteSubnets ?? [])
            .Select(t => IpPrefix.TryParse(t, out IpPrefix p) ? p : (IpPrefix?)null)
            .OfType<IpPrefix>()
            .Where(p => p.Network.AddressFamily == family)
            .Select(p => new IPNetwork(p.Network, p.Length))];

    /// <summary>A lease is one address: /32 or /128.</summary>
    private static int HostBits(IPAddress address) => address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;

    private static string Join<T>(IEnumerable<T> items)
    {
        string text = string.Join(", ", items);
        return text.Length == 0 ? "none" : text;
    }

    /// <summary>A lease on the TUN device and the IKE SAs that carry it (the worker's alone).</summary>
    private sealed record Lease(HashSet<IkeSa> Holders, IPAddress Address, IReadOnlyList<IPAddress> Dns);
}
