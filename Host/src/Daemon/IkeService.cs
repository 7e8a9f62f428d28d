using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;
using IpsecFw.Esp.Sa;
using IpsecFw.Esp.Transport;
using IpsecFw.Host.Configuration;
using IpsecFw.Ike.Auth;
using IpsecFw.Host.Events;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Sa;
using IpsecFw.Tun;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The IKE engine and the data path of <c>ipsecfw run</c>, started when the configuration has peers.
/// <para>
/// Start, in order (the first failure undoes what was done and stops <c>run</c> with a message naming the key or
/// file): credentials and trust (<see cref="PeerAuthenticators"/>); UDP <c>ike.natPort</c> (ESP and IKE, shared) and
/// <c>ike.port</c> on <c>ike.localAddress</c>; the TUN device (<c>tun</c>: name, MTU, addresses, a route per
/// <c>peers[].remoteSubnets</c>, set with <c>ip</c>); the <see cref="IkeEngine"/> answering with the responder peer's
/// configuration; the outbound and inbound loops on their own threads, each packet judged by the
/// <see cref="SpdPacketFilter"/> (the policy, per packet; CHILD_SAs bind their SPIs to their peer through
/// <see cref="PolicyChildSaSink"/>); then an IKE SA to every peer with <c>startAction</c> <c>start</c>.
/// </para>
/// <para>
/// A peer this host starts is started again when its IKE SA closes and no other SA with it is left, after 1 s,
/// then 2, 4... up to <see cref="MaxBackoff"/>; an established SA resets the delay.
/// </para>
/// <para>
/// On demand (<see cref="AcquireQueue"/>): the destinations a <c>trap</c> or <c>start</c> peer's routes send into the
/// TUN device are its traps. A packet towards them with no SA waits in the queue (a few per peer) and raises an
/// acquire, which this service reads and answers by initiating to the peer (a <c>trap</c> peer is never initiated
/// otherwise; a <c>start</c> peer whose SA was lost is initiated at once instead of after its back-off). The held
/// packets are sent through <see cref="OutboundLoop.Inject"/> as soon as the CHILD_SA is installed
/// (<see cref="AcquireChildSaSink"/>), dropped when the initiated IKE SA closes without being established, or after
/// <see cref="AcquireQueue.HoldTimeout"/>.
/// </para>
/// <para>
/// Peers with <c>protectPeerAddress</c>: their own addresses are routed into the TUN device by a rule that the
/// daemon's own sockets, marked with <c>tun.fwmark</c>, skip (<see cref="HostAddressRouting"/>).
/// </para>
/// <para>
/// Stop: DELETE to every peer (<see cref="IkeEngine.ShutdownAsync"/>), the engine loop, the two packet loops, the
/// sockets, and the TUN device (its routes go with it). Each step is bounded.
/// </para>
/// </summary>
[SupportedOSPlatform("linux")]
public sealed partial class IkeService : IHostedService, IDisposable, IPeerReloader
{
    /// <summary>The longest delay between two attempts to start a peer.</summary>
    public static TimeSpan MaxBackoff { get; } = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan s_stepBound = TimeSpan.FromSeconds(3);
    private readonly DaemonState _state;
    private readonly PolicyService _policy;
    private readonly EspSaTable _table;
    private readonly DataPathCounters _counters;
    private readonly ILoggerFactory _loggers;
    private readonly VirtualAddresses _addresses;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, int> _attempts = new(StringComparer.Ordinal);
    private readonly Lock _attemptLock = new();
    private readonly SpdPacketFilter _filter;
    private readonly EventPipeline? _events;
    private readonly bool _ownsFilter;
    private readonly InboundSelectorTable _selectors = new();
    private readonly PrefixSaSelector _routes = new();
    private readonly AcquireQueue _acquires;
    private readonly HashSet<string> _restarted = new(StringComparer.Ordinal);
    private HostAddressRouting? _hostRouting;
    private Task? _acquireLoop;
    private readonly List<PeerAuthenticators> _auths = [];
    private LinuxTun? _tun;
    private TunPacketDevice? _device;
    private UdpBind? _bind;
    private RawEspBind? _rawBind;
    private InboundLoop? _rawInbound;
    private UdpIkeTransport? _transport;
    private PacketPool? _pool;
    private OutboundLoop? _outbound;
    private InboundLoop? _inbound;
    private Task? _loop;
    private Dictionary<string, (IkeSaConfig Config, IPEndPoint Remote)> _initiated = [];
    private Dictionary<string, PeerOptions> _peers = new(StringComparer.Ordinal);
    private Dictionary<string, IkeSaConfig> _configs = new(StringComparer.Ordinal);
    private IReadOnlyList<PeerOptions> _peerList = [];
    private readonly HashSet<IPNetwork> _routed = [];
    private IPAddress? _local;
    private IkeOptions _ike = new();
    private volatile bool _stopping;

    /// <summary>
    /// A service for the daemon's configuration, sharing the ESP table, the counters, the inside addresses by CP
    /// (<paramref name="addresses"/>) and the per-packet policy (<paramref name="filter"/>; one of its own when none is
    /// given) and the acquire queue (<paramref name="acquires"/>; one of its own when none is given) with
    /// <c>ipsecfw status</c>.
    /// </summary>
    public IkeService(DaemonState state, PolicyService policy, EspSaTable table, DataPathCounters counters, ILoggerFactory loggers,
        VirtualAddresses addresses, SpdPacketFilter? filter = null, AcquireQueue? acquires = null, EventPipeline? events = null)
    {
        _acquires = acquires ?? new AcquireQueue();
        _events = events;
        _addresses = addresses ?? throw new ArgumentNullException(nameof(addresses));
        _state = state ?? throw new ArgumentNullException(nameof(state));
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _table = table ?? throw new ArgumentNullException(nameof(table));
        _counters = counters ?? throw new ArgumentNullException(nameof(counters));
        _loggers = loggers ?? throw new ArgumentNullException(nameof(loggers));
        _log = loggers.CreateLogger<IkeService>();
        _ownsFilter = filter is null;
        _filter = filter ?? new SpdPacketFilter(policy, loggers.CreateLogger<SpdPacketFilter>());
    }

    /// <summary>The engine while it runs; null before start and after stop.</summary>
    public IkeEngine? Engine { get; private set; }

    /// <summary>The TUN device once the data path runs; null before start, without peers and after stop.</summary>
    public LinuxTun? Tun => Volatile.Read(ref _tun);

    /// <summary>The daemon's UDP sockets while they are open, by name (<c>udp500</c>, <c>udp4500</c>) with their file descriptors.</summary>
    public IReadOnlyList<(string Name, nint Fd)> Sockets()
    {
        var sockets = new List<(string, nint)>(2);
        if (_transport is { } transport)
        {
            sockets.Add(("udp500", transport.Socket500Handle));
        }

        if (_bind is { } bind)
        {
            sockets.Add(("udp4500", bind.SocketHandle));
        }

        if (_rawBind is { } raw)
        {
            sockets.Add(("esp", raw.SocketHandle));
        }

        return sockets;
    }

    /// <summary>IKE datagrams that could not be sent.</summary>
    public long SendErrors => _transport?.SendErrors ?? 0;

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            Start(_state.Config);
        }
        catch
        {
            Teardown();
            throw;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        if (Engine is { } engine)
        {
            try
            {
                await engine.ShutdownAsync(TimeSpan.FromSeconds(2)).WaitAsync(s_stepBound, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException or InvalidOperationException)
            {
                HostLog.StopStepTimedOut(_log, "deleting the SAs");
            }
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_acquireLoop is { } acquireLoop)
        {
            await acquireLoop.WaitAsync(s_stepBound, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_loop is { } loop)
        {
            try
            {
                await loop.WaitAsync(s_stepBound, CancellationToken.None).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                HostLog.StopStepTimedOut(_log, "the IKE loop");
            }
        }

        string device = _tun?.Name ?? "(none)";
        Teardown();
        HostLog.IkeStopped(_log, device);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Teardown();
        _stop.Dispose();
        if (_ownsFilter)
        {
            _filter.Dispose();
        }
    }

    /// <summary>The local IKE address: <c>ike.localAddress</c>, else the kernel's source address towards the first peer with an address.</summary>
    /// <exception cref="IkeStartException">Neither is available.</exception>
    public static IPAddress LocalAddress(HostConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Ike.LocalAddress is { } text)
        {
            return IpPrefix.TryParseAddress(text, out IPAddress? a) ? a : throw new IkeStartException($"ike.localAddress: '{text}' is not an IP address");
        }

        PeerOptions peer = config.Peers.FirstOrDefault(p => p.Address is not null)
            ?? throw new IkeStartException("ike.localAddress: required when no peer has an address");
        IPAddress remote = IpPrefix.TryParseAddress(peer.Address, out IPAddress? r) ? r : throw new IkeStartException($"peers '{peer.Name}' address: not an IP address");
        try
        {
            using var probe = new Socket(remote.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            probe.Connect(new IPEndPoint(remote, peer.Port));
            return ((IPEndPoint)probe.LocalEndPoint!).Address;
        }
        catch (SocketException e)
        {
            throw new IkeStartException($"ike.localAddress: not given, and no route to peer '{peer.Name}' ({remote}) to take it from: {e.Message}", e);
        }
    }

    /// <summary>The peer whose configuration answers IKE_SA_INIT: one without an address (it accepts anyone), else the first that does not start itself, else the first.</summary>
    public static PeerOptions? ResponderPeer(HostConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return ResponderPeer(config.Peers);
    }

    /// <summary>The peer of <paramref name="peers"/> whose configuration answers IKE_SA_INIT (<see cref="ResponderPeer(HostConfig)"/>).</summary>
    public static PeerOptions? ResponderPeer(IReadOnlyList<PeerOptions> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        return peers.FirstOrDefault(p => p.Address is null)
            ?? peers.FirstOrDefault(p => p.StartAction == StartAction.None)
            ?? (peers.Count > 0 ? peers[0] : null);
    }

    private void Start(HostConfig config)
    {
        TunOptions tunOptions = config.Tun ?? throw new IkeStartException("tun: required when peers are configured (protected traffic goes through it)");
        IPAddress local = LocalAddress(config);
        _local = local;
        _ike = config.Ike;
        PeerAuthenticators auth = PeerAuthenticators.Load(config, local);
        _auths.Add(auth);
        var configs = new Dictionary<string, IkeSaConfig>(StringComparer.Ordinal);
        foreach (PeerOptions peer in config.Peers)
        {
            configs[peer.Name] = _addresses.Apply(peer, PeerSaConfigs.Build(peer, auth.For(peer.Name), local, config.Ike));
        }

        _configs = configs;
        _peerList = [.. config.Peers];
        _peers = config.Peers.ToDictionary(p => p.Name, StringComparer.Ordinal);

        _bind = Bind(() => new UdpBind(new IPEndPoint(local, config.Ike.NatPort)), "ike.natPort", local, config.Ike.NatPort);
        _transport = Bind(() => new UdpIkeTransport(local, _bind, config.Ike.Port), "ike.port", local, config.Ike.Port);
        if (config.Ike.Encapsulation == EspEncapsulation.Auto)
        {
            _rawBind = OpenRawEsp(local);
        }
        List<(IPAddress Peer, IPAddress Source)> protectedPeers = ProtectedPeers(config.Peers, local);
        if (protectedPeers.Count > 0)
        {
            MarkSockets((uint)tunOptions.Fwmark);
        }

        OpenTun(tunOptions, config.Peers);
        if (protectedPeers.Count > 0)
        {
            ProtectHostAddresses(tunOptions, protectedPeers);
        }

        PeerOptions? responder = ResponderPeer(config);
        var installer = new AcquireChildSaSink(new PolicyChildSaSink(new EspChildSaInstaller(_table, _selectors, _routes), _filter, _table), ReleaseHeld);
        Engine = new IkeEngine(_transport, new SpdIkePolicy(_policy, config), installer,
            responder is null ? null : configs[responder.Name], loggers: _loggers, halfOpenPerSource: config.Ike.HalfOpenPerSource);
        Engine.ResponderConfigSelector = ResponderConfigs(config.Peers, configs);
        Engine.ResponderIdentityChooser = IdentityChooserOf(config.Peers, configs);
        Engine.Established += OnEstablished;
        Engine.Closed += OnClosed;
        Engine.ChildSaRefused += OnChildSaRefused;
        _filter.DedicatedSaRequester = RequestDedicatedSa;
        _addresses.Attach(Engine, _tun!.Name);
        _pool = new PacketPool(256, 2048);
        _device = new TunPacketDevice(_tun!);
        _outbound = new OutboundLoop(_device, _bind, _routes, _pool, _counters, filter: _filter, acquires: _acquires, rawBind: _rawBind);
        _inbound = new InboundLoop(_bind, _device, _table, _selectors, _transport, _pool, _counters, filter: _filter)
        {
            StrictEncapsulation = _rawBind is not null,
        };
        _rawInbound = _rawBind is null ? null : new InboundLoop(_rawBind, _device, _table, _selectors, null, _pool, _counters, filter: _filter, rawEsp: true);
        _transport.Start(Engine);
        _outbound.Start();
        _inbound.Start();
        _rawInbound?.Start();
        IkeEngine engine = Engine;
        CancellationToken token = _stop.Token;
        _loop = Task.Run(() => engine.RunAsync(token, TimeSpan.FromMilliseconds(100)), CancellationToken.None);
        HostLog.IkeStarted(_log, local.ToString(), config.Ike.Port, config.Ike.NatPort, _tun!.Name, _tun.Mtu, config.Peers.Count, responder?.Name ?? "(nobody)");

        var initiated = new Dictionary<string, (IkeSaConfig, IPEndPoint)>(StringComparer.Ordinal);
        foreach (PeerOptions peer in config.Peers)
        {
            if (peer.StartAction != StartAction.None && IpPrefix.TryParseAddress(peer.Address, out IPAddress? remote))
            {
                initiated[peer.Name] = (configs[peer.Name], new IPEndPoint(remote, peer.Port));
                if (peer.StartAction == StartAction.Start)
                {
                    _restarted.Add(peer.Name);
                }

                Trap(peer);
            }
        }

        _initiated = initiated;
        _acquireLoop = Task.Run(() => ServeAcquiresAsync(token), CancellationToken.None);
        foreach (string name in _restarted)
        {
            _ = InitiateAsync(name, TimeSpan.Zero);
        }
    }

    private void Trap(PeerOptions peer)
    {
        List<IPNetwork> traps = RoutedDestinations(peer);
        if (traps.Count > 0)
        {
            _acquires.AddTrap(peer.Name, traps);
            HostLog.Trapped(_log, peer.Name, string.Join(", ", traps));
        }
    }

    /// <summary>The destinations of <paramref name="peer"/> that the TUN device receives: its <c>remoteSubnets</c> and, with <c>protectPeerAddress</c>, its own address.</summary>
    private static List<IPNetwork> RoutedDestinations(PeerOptions peer)
    {
        var list = new List<IPNetwork>();
        foreach (string text in peer.RemoteSubnets)
        {
            if (IpPrefix.TryParse(text, out IpPrefix p))
            {
                list.Add(new IPNetwork(p.Network, p.Length));
            }
        }

        if (peer.ProtectPeerAddress && IpPrefix.TryParseAddress(peer.Address, out IPAddress? address))
        {
            list.Add(new IPNetwork(address, address.GetAddressBytes().Length * 8));
        }

        return list;
    }

    /// <summary>The peers whose own address is protected, each with this host's address as the source of its route.</summary>
    private static List<(IPAddress Peer, IPAddress Source)> ProtectedPeers(IReadOnlyList<PeerOptions> peers, IPAddress local)
    {
        var list = new List<(IPAddress, IPAddress)>();
        foreach (PeerOptions peer in peers)
        {
            if (peer.ProtectPeerAddress && IpPrefix.TryParseAddress(peer.Address, out IPAddress? address))
            {
                list.Add(address.AddressFamily == local.AddressFamily ? (address, local)
                    : throw new IkeStartException($"peers '{peer.Name}' protectPeerAddress: the peer's address {address} is not of the family of the local IKE address {local}"));
            }
        }

        return list;
    }

    private void MarkSockets(uint mark)
    {
        try
        {
            _bind!.Mark = mark;
            _transport!.Mark = mark;
            if (_rawBind is not null)
            {
                _rawBind.Mark = mark;
            }
        }
        catch (SocketException e)
        {
            throw new IkeStartException($"tun.fwmark: cannot mark the IKE and ESP sockets with {mark} (SO_MARK needs CAP_NET_ADMIN): {e.Message}", e);
        }
    }

    /// <summary>The raw ESP socket for <c>ike.encapsulation: auto</c> (IP protocol 50 on the local IKE address).</summary>
    private static RawEspBind OpenRawEsp(IPAddress local)
    {
        try
        {
            return new RawEspBind(local);
        }
        catch (Exception e) when (e is SocketException or PlatformNotSupportedException)
        {
            throw new IkeStartException($"ike.encapsulation: 'auto' needs a raw ESP socket (IP protocol 50) on {local}, which could not be opened (CAP_NET_RAW, Linux): {e.Message}", e);
        }
    }

    private void ProtectHostAddresses(TunOptions options, List<(IPAddress Peer, IPAddress Source)> peers)
    {
        var routing = new HostAddressRouting(new IpCommand(), _tun!.Name, options.RouteTable, (uint)options.Fwmark, _log);
        _hostRouting = routing;
        try
        {
            routing.Install(peers);
        }
        catch (TunException e)
        {
            throw new IkeStartException($"peers[].protectPeerAddress: cannot route the peers' own addresses into '{_tun.Name}' (tun.routeTable {options.RouteTable}): {e.Message}", e);
        }

        HostLog.HostAddressesProtected(_log, string.Join(", ", peers.Select(p => p.Peer)), _tun.Name, options.RouteTable, (uint)options.Fwmark);
    }

    /// <summary>Reads the acquires raised by the data path and starts IKE with their peers.</summary>
    private async Task ServeAcquiresAsync(CancellationToken token)
    {
        using var expiry = new PeriodicTimer(TimeSpan.FromSeconds(1));
        Task<bool> tick = expiry.WaitForNextTickAsync(token).AsTask();
        try
        {
            while (!token.IsCancellationRequested)
            {
                Task<bool> request = _acquires.Requests.WaitToReadAsync(token).AsTask();
                while (true)
                {
                    Task done = await Task.WhenAny(request, tick).ConfigureAwait(false);
                    if (done == tick)
                    {
                        if (!await tick.ConfigureAwait(false))
                        {
                            return;
                        }

                        ExpireHeld();
                        tick = expiry.WaitForNextTickAsync(token).AsTask();
                        continue;
                    }

                    break;
                }

                if (!await request.ConfigureAwait(false))
                {
                    return;
                }

                while (_acquires.Requests.TryRead(out AcquireRequest acquire))
                {
                    if (_initiated.ContainsKey(acquire.Peer))
                    {
                        _ = AcquireAsync(acquire.Peer);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private void ExpireHeld()
    {
        if (_acquires.Expire() is int n and > 0)
        {
            HostLog.AcquireDropped(_log, "(acquires pending too long)", n, $"no SA within {_acquires.HoldTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>A CHILD_SA of <paramref name="peer"/> carries outbound traffic: the packets held for it go out. On the IKE loop.</summary>
    private void ReleaseHeld(string peer)
    {
        if (_outbound is not { } outbound)
        {
            return;
        }

        int sent = _acquires.Release(peer, held => outbound.Inject(held.Span));
        if (sent > 0)
        {
            HostLog.AcquireReleased(_log, peer, sent);
        }
    }

    /// <summary>A peer with an address answers with its own configuration when it initiates to us; others get <see cref="ResponderPeer(HostConfig)"/>'s.</summary>
    private static Func<IPEndPoint, IkeSaConfig?> ResponderConfigs(IReadOnlyList<PeerOptions> peers, Dictionary<string, IkeSaConfig> configs)
    {
        var byAddress = new Dictionary<IPAddress, IkeSaConfig>();
        foreach (PeerOptions peer in peers)
        {
            if (IpPrefix.TryParseAddress(peer.Address, out IPAddress? address))
            {
                byAddress.TryAdd(address, configs[peer.Name]);
            }
        }

        return remote => byAddress.GetValueOrDefault(remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address);
    }

    /// <summary>At IKE_AUTH every configured peer is a candidate for the identity the initiator claims (its <c>remoteId</c>: exact, <c>*.</c> suffix, or absent for any).</summary>
    internal static ResponderIdentityChooser IdentityChooser(HostConfig config, Dictionary<string, IkeSaConfig> configs)
    {
        ArgumentNullException.ThrowIfNull(config);
        return IdentityChooserOf(config.Peers, configs);
    }

    /// <summary>The chooser for <paramref name="peers"/> (<see cref="IdentityChooser(HostConfig, Dictionary{string, IkeSaConfig})"/>).</summary>
    internal static ResponderIdentityChooser IdentityChooserOf(IReadOnlyList<PeerOptions> peers, Dictionary<string, IkeSaConfig> configs)
    {
        var candidates = new List<ResponderCandidate>(peers.Count);
        foreach (PeerOptions peer in peers)
        {
            IPAddress? address = IpPrefix.TryParseAddress(peer.Address, out IPAddress? a) ? a : null;
            candidates.Add(peer.RemoteId switch
            {
                null => new ResponderCandidate(configs[peer.Name], null, null, address),
                string p when p.StartsWith("*.", StringComparison.Ordinal) => new ResponderCandidate(configs[peer.Name], null, p[1..], address),
                string id => new ResponderCandidate(configs[peer.Name], IdentityText.Parse(id), null, address),
            });
        }

        return new ResponderIdentityChooser(candidates);
    }

    /// <summary>The device, with offloads when <c>tun.offload</c> asks and the kernel agrees; without them (logged) when it refuses.</summary>
    private LinuxTun CreateTun(TunOptions options)
    {
        if (!options.Offload)
        {
            return LinuxTun.Create(options.Name, options.Mtu);
        }

        try
        {
            return LinuxTun.Create(options.Name, options.Mtu, offload: true);
        }
        catch (TunException e) when (e.OffloadRefused)
        {
            HostLog.TunOffloadRefused(_log, options.Name, e.Message);
            return LinuxTun.Create(options.Name, options.Mtu);
        }
    }

    private void OpenTun(TunOptions options, IReadOnlyList<PeerOptions> peers)
    {
        try
        {
            _tun = CreateTun(options);
            var ip = new IpCommand();
            foreach (string text in options.Addresses)
            {
                if (IpPrefix.TryParse(text, out IpPrefix p))
                {
                    ip.AddAddress(_tun.Name, p.Address, p.Length);
                }
            }

            ip.SetUp(_tun.Name);
            foreach (string text in peers.SelectMany(p => p.RemoteSubnets))
            {
                if (IpPrefix.TryParse(text, out IpPrefix p) && _routed.Add(new IPNetwork(p.Network, p.Length)))
                {
                    ip.AddRoute(_tun.Name, new IPNetwork(p.Network, p.Length));
                }
            }
        }
        catch (TunException e)
        {
            throw new IkeStartException($"tun: cannot set up '{options.Name}': {e.Message}", e);
        }
    }

    private static T Bind<T>(Func<T> open, string key, IPAddress local, int port)
    {
        try
        {
            return open();
        }
        catch (SocketException e)
        {
            string why = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => "already in use (another IKE daemon, strongSwan or libreswan?)",
                SocketError.AddressNotAvailable => "the address is not on this host",
                SocketError.AccessDenied => "permission denied (CAP_NET_BIND_SERVICE is needed below 1024)",
                _ => e.Message,
            };
            throw new IkeStartException($"{key}: cannot bind UDP {local}:{port}: {why}", e);
        }
    }

    private async Task InitiateAsync(string name, TimeSpan delay, bool acquired = false)
    {
        try
        {
            if (delay > TimeSpan.Zero)
            {
                HostLog.Reconnecting(_log, name, delay.TotalSeconds);
                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
            }

            if (_stopping || Engine is not { } engine || _transport is not { } transport)
            {
                return;
            }

            IReadOnlyList<IkeSa> sas = await engine.SnapshotAsync().WaitAsync(s_stepBound, _stop.Token).ConfigureAwait(false);
            if (sas.Any(s => s.Config.Name == name && s.State != IkeSaState.Closed))
            {
                lock (_attemptLock)
                {
                    _attempts.Remove(name);
                }

                if (acquired && sas.Any(s => s.Config.Name == name && s.State == IkeSaState.Established && s.Children.Count > 0))
                {
                    // The SA came up between the packet's miss and this acquire: its packets need not wait any longer.
                    await engine.InvokeAsync(() =>
                    {
                        ReleaseHeld(name);
                        return 0;
                    }).WaitAsync(s_stepBound, _stop.Token).ConfigureAwait(false);
                }

                return;
            }

            if (!_initiated.TryGetValue(name, out (IkeSaConfig Config, IPEndPoint Remote) initiated))
            {
                return; // removed by a reload meanwhile
            }

            (IkeSaConfig configured, IPEndPoint remote) = initiated;
            IkeSaConfig config = _peers.TryGetValue(name, out PeerOptions? peer)
                ? SpdProposedSelectors.Apply(configured, peer, _policy.Current?.Local, remote.Address)
                : configured;
            HostLog.Initiating(_log, name, remote.ToString());
            IkeSa sa = await engine.InitiateAsync(config, transport.LocalEndPoint500, remote).WaitAsync(s_stepBound, _stop.Token).ConfigureAwait(false);
            if (sa.State == IkeSaState.Closed)
            {
                ScheduleRetry(name);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or SocketException)
        {
            HostLog.InitiateFailed(_log, name, e.Message);
            ScheduleRetry(name);
        }
    }

    /// <summary>The filter asks for a CHILD_SA dedicated to <paramref name="program"/> (a keyed rule): posted to the IKE loop.</summary>
    private void RequestDedicatedSa(string peer, string program)
    {
        if (!_stopping && Engine is { } engine)
        {
            _ = RequestDedicatedSaAsync(engine, peer, program);
        }
    }

    private async Task RequestDedicatedSaAsync(IkeEngine engine, string peer, string program)
    {
        try
        {
            if (!await engine.CreateDedicatedChildAsync(peer, program).ConfigureAwait(false))
            {
                HostLog.DedicatedSaNotStarted(_log, peer, program);
            }
        }
        catch (InvalidOperationException e)
        {
            HostLog.InitiateFailed(_log, peer, e.Message);
        }
    }

    private void ScheduleRetry(string name)
    {
        int attempt;
        lock (_attemptLock)
        {
            if (_stopping || !_restarted.Contains(name))
            {
                return; // a trap peer waits for its next packet
            }

            _attempts.TryGetValue(name, out attempt);
            _attempts[name] = attempt + 1;
        }

        TimeSpan delay = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(attempt, 16))));
        _ = InitiateAsync(name, delay);
    }

    private void OnEstablished(IkeSa sa)
    {
        lock (_attemptLock)
        {
            _attempts.Remove(sa.Config.Name);
        }

        HostLog.SaEstablished(_log, sa.Config.Name, PeerNames.Describe(sa.PeerIdentity));
    }

    private void OnClosed(IkeSa sa, string reason)
    {
        // A rekeyed SA closes too once its replacement runs; the event cannot tell, so the retry looks at the SA list
        // first and does nothing while another SA with the peer is up.
        HostLog.SaClosed(_log, sa.Config.Name, reason);
        if (((sa.EstablishedAt is null && sa.Role == IkeRole.Initiator) || sa.CreatingChild) && _acquires.Fail(sa.Config.Name) is int dropped and > 0)
        {
            HostLog.AcquireDropped(_log, sa.Config.Name, dropped, "negotiation failed: " + reason);
        }

        if (sa.AuthFailure != Ike.Auth.AuthFailure.None)
        {
            // The peer's credentials failed, or the policy does not admit it: an intrusion-detection event.
            _events?.RecordIkeRefusal(sa.RemoteEndPoint, sa.LocalEndPoint, inbound: sa.Role == IkeRole.Responder, sa.Config.Name,
                EventRenderer.ReasonName(sa.AuthFailure), reason);
        }

        ScheduleRetry(sa.Config.Name);
    }

    private void Teardown()
    {
        _outbound?.Stop(TimeSpan.FromSeconds(2));
        _inbound?.Stop(TimeSpan.FromSeconds(2));
        _rawInbound?.Stop(TimeSpan.FromSeconds(2));
        _outbound = null;
        _inbound = null;
        _rawInbound = null;
        _transport?.Dispose();
        _transport = null;
        _bind?.Dispose();
        _bind = null;
        _rawBind?.Dispose();
        _rawBind = null;
        _device?.Dispose();
        _device = null;
        _hostRouting?.Remove();
        _hostRouting = null;
        _addresses.Detach();
        _tun?.Dispose();
        _tun = null;
        _filter.DedicatedSaRequester = null;
        if (Engine is { } engine)
        {
            engine.Established -= OnEstablished;
            engine.Closed -= OnClosed;
            engine.ChildSaRefused -= OnChildSaRefused;
            Engine = null;
            engine.Dispose();
        }

        foreach (PeerAuthenticators auth in _auths)
        {
            auth.Dispose();
        }

        _auths.Clear();
    }
}
