using System.Diagnostics;
using System.Net;
using System.Runtime.Versioning;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;
using IpsecFw.Esp.Sa;
using IpsecFw.Esp.Transport;
using IpsecFw.Host.Configuration;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Sa;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// <c>ipsecfw bench ike</c>: IKE SA setups per second against a running responder over real UDP, as strongSwan's
/// load-tester plugin measures them. One <see cref="IkeEngine"/> with this host's credentials (the configuration's
/// <c>identity</c>, <c>trust</c> and the named peer's proposals and subnets) keeps up to <c>parallel</c> IKE SAs in
/// flight towards the peer's address: each is IKE_SA_INIT + IKE_AUTH with the first CHILD_SA, and is deleted
/// (INFORMATIONAL DELETE) as soon as it is established, which frees its slot for the next. Bounded in count and in
/// time; SAs still open at the end are deleted and waited for (bounded). The CHILD_SAs are not installed anywhere (the
/// ESP socket is read only for IKE behind the non-ESP marker), so this side measures IKE alone; the responder
/// installs its side in its ESP engine as it always does. Retransmission and liveness timers run as in the daemon;
/// rekeys and liveness checks are off.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class IkeLoadTester : IAsyncDisposable
{
    private readonly PeerAuthenticators _auth;
    private readonly UdpBind _bind;
    private readonly UdpIkeTransport _transport;
    private readonly PacketPool _pool = new(64, 2048);
    private readonly EspSaTable _table = new();
    private readonly DiscardingDevice _device = new();
    private readonly InboundLoop _inbound;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly IkeEngine _engine;
    private readonly IkeSaConfig _config;
    private readonly IPEndPoint _remote;
    private readonly ChildCounter _children = new();
    private readonly SemaphoreSlim _slots = new(0);
    private readonly Stopwatch _clock = new();
    private long _established;
    private long _failed;
    private TimeSpan _lastEstablished;

    private IkeLoadTester(HostConfig config, PeerOptions peer, ILoggerFactory loggers)
    {
        IPAddress local = IkeService.LocalAddress(config);
        if (!IpPrefix.TryParseAddress(peer.Address, out IPAddress? remote))
        {
            throw new IkeStartException($"peers '{peer.Name}' address: required to initiate to it");
        }

        _remote = new IPEndPoint(remote, peer.Port);
        _auth = PeerAuthenticators.Load(config, local);
        _config = PeerSaConfigs.Build(peer, _auth.For(peer.Name), local, config.Ike) with
        {
            DpdDelay = TimeSpan.Zero,
            ChildRekeyAfter = TimeSpan.Zero,
            IkeRekeyAfter = TimeSpan.Zero,
        };
        try
        {
            _bind = new UdpBind(new IPEndPoint(local, config.Ike.NatPort));
            _transport = new UdpIkeTransport(local, _bind, config.Ike.Port);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            _bind?.Dispose();
            _auth.Dispose();
            throw new IkeStartException($"ike.port / ike.natPort: cannot bind UDP on {local}: {e.Message}", e);
        }

        // No responder configuration: this engine answers no IKE_SA_INIT.
        _engine = new IkeEngine(_transport, new ConfiguredSelectorPolicy(), _children, null, loggers: loggers);
        _engine.Established += OnEstablished;
        _engine.Closed += OnClosed;
        _inbound = new InboundLoop(_bind, _device, _table, new InboundSelectorTable(), _transport, _pool, new DataPathCounters());
        _transport.Start(_engine);
        _inbound.Start();
        CancellationToken token = _stop.Token;
        _loop = Task.Run(() => _engine.RunAsync(token, TimeSpan.FromMilliseconds(100)), CancellationToken.None);
    }

    /// <summary>A tester for the peer named <paramref name="peerName"/> of <paramref name="config"/>.</summary>
    /// <exception cref="IkeStartException">No such peer, no address, credentials or sockets that do not load or bind.</exception>
    public static IkeLoadTester Create(HostConfig config, string peerName, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(config);
        PeerOptions peer = config.Peers.FirstOrDefault(p => p.Name == peerName)
            ?? throw new IkeStartException($"--peer: no peer named '{peerName}' in the configuration");
        return new IkeLoadTester(config, peer, loggers);
    }

    /// <summary>
    /// After <paramref name="warmup"/> uncounted setups one by one, initiates up to <paramref name="count"/> IKE SAs,
    /// <paramref name="parallel"/> at a time, for at most <paramref name="duration"/>; then waits up to
    /// <paramref name="drain"/> for those in flight and deletes what is left.
    /// </summary>
    public async Task<IkeLoadResult> RunAsync(int count, int parallel, int warmup, TimeSpan duration, TimeSpan drain, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        if (warmup > 0)
        {
            await WarmUpAsync(warmup, duration, cancellationToken).ConfigureAwait(false);
        }

        long started = 0;
        _clock.Restart();
        _slots.Release(parallel);
        try
        {
            while (started < count && _clock.Elapsed < duration)
            {
                TimeSpan left = duration - _clock.Elapsed;
                if (left <= TimeSpan.Zero || !await _slots.WaitAsync(left, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                started++;
                IkeSa sa = await _engine.InitiateAsync(_config, _transport.LocalEndPoint500, _remote).ConfigureAwait(false);
                if (sa.State == IkeSaState.Closed)
                {
                    // Closed at once (the Closed event has released the slot already).
                    continue;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Interrupted: report what was done.
        }

        TimeSpan window = Volatile.Read(ref _established) > 0 ? LastEstablished : _clock.Elapsed;
        long established = Volatile.Read(ref _established), children = _children.Count, failed = Volatile.Read(ref _failed);
        int open = await DrainAsync(drain).ConfigureAwait(false);
        return new IkeLoadResult(started, established, children, failed, window, open);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The loop is abandoned; the process ends after this.
        }

        _inbound.Stop(TimeSpan.FromSeconds(2));
        _transport.Dispose();
        _bind.Dispose();
        _engine.Established -= OnEstablished;
        _engine.Closed -= OnClosed;
        _engine.Dispose();
        _table.Dispose();
        _device.Dispose();
        _auth.Dispose();
        _slots.Dispose();
        _stop.Dispose();
    }

    private TimeSpan LastEstablished
    {
        get
        {
            lock (_clock)
            {
                return _lastEstablished;
            }
        }
    }

    /// <summary>
    /// <paramref name="setups"/> IKE SAs one after the other, not counted (the first setups of a process compile the
    /// code they run: the JIT), each bounded by <paramref name="bound"/>; then the counters start from zero.
    /// </summary>
    private async Task WarmUpAsync(int setups, TimeSpan bound, CancellationToken cancellationToken)
    {
        _slots.Release(1);
        for (int i = 0; i < setups; i++)
        {
            if (!await _slots.WaitAsync(bound, cancellationToken).ConfigureAwait(false))
            {
                break;
            }

            await _engine.InitiateAsync(_config, _transport.LocalEndPoint500, _remote).ConfigureAwait(false);
        }

        await _slots.WaitAsync(bound, cancellationToken).ConfigureAwait(false);
        await DrainAsync(bound).ConfigureAwait(false);
        Interlocked.Exchange(ref _established, 0);
        Interlocked.Exchange(ref _failed, 0);
        _children.Reset();
        while (_slots.CurrentCount > 0)
        {
            await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the SAs in flight (each deletes itself once established); what is left after the bound is deleted.</summary>
    private async Task<int> DrainAsync(TimeSpan bound)
    {
        var wait = Stopwatch.StartNew();
        IReadOnlyList<IkeSa> open = await _engine.SnapshotAsync().ConfigureAwait(false);
        while (open.Count > 0 && wait.Elapsed < bound)
        {
            await Task.Delay(50).ConfigureAwait(false);
            open = await _engine.SnapshotAsync().ConfigureAwait(false);
        }

        if (open.Count > 0)
        {
            await _engine.InvokeAsync(() =>
            {
                foreach (IkeSa sa in open)
                {
                    sa.Delete("load test over");
                }

                return 0;
            }).ConfigureAwait(false);
        }

        return open.Count;
    }

    // On the engine's loop.
    private void OnEstablished(IkeSa sa)
    {
        Interlocked.Increment(ref _established);
        lock (_clock)
        {
            _lastEstablished = _clock.Elapsed;
        }

        // Queued behind this work item, so the initiator's CHILD_SA (installed right after the event) is up first.
        _ = _engine.InvokeAsync(() =>
        {
            sa.Delete("load test: established");
            return 0;
        });
    }

    // On the engine's loop.
    private void OnClosed(IkeSa sa, string reason)
    {
        if (sa.EstablishedAt is null)
        {
            Interlocked.Increment(ref _failed);
        }

        _slots.Release();
    }

    /// <summary>Counts the CHILD_SAs negotiated; installs nothing.</summary>
    private sealed class ChildCounter : IChildSaSink
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void Up(IkeSa ikeSa, ChildSa child) => Interlocked.Increment(ref _count);

        public void Reset() => Interlocked.Exchange(ref _count, 0);

        public void Activate(IkeSa ikeSa, ChildSa child)
        {
        }

        public void Down(IkeSa ikeSa, ChildSa child)
        {
        }
    }

    /// <summary>There is no outbound loop and nothing to deliver: ESP that arrives is dropped.</summary>
    private sealed class DiscardingDevice : IPacketDevice
    {
        public int Read(Span<PacketBuffer> bufs, int offset) => 0;

        public int Write(ReadOnlySpan<PacketBuffer> bufs) => bufs.Length;

        public void Dispose()
        {
        }
    }
}
