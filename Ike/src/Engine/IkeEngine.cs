using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Threading.Channels;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.Spd.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// The IKE daemon's core: finds the SA for every datagram (by our SPI; new IKE_SA_INIT requests behind the cookie
/// guard, the limit per source address and the half-open limit), drives timers, and serialises everything on one loop, so that no
/// <see cref="IkeSa"/> is ever touched by two threads. Sockets post datagrams with <see cref="Post"/> from any thread.
/// </summary>
public sealed partial class IkeEngine : IIkeSaHost, IDisposable
{
    /// <summary>Work items (received datagrams, calls) queued for the loop at most; more are dropped and counted.</summary>
    public const int WorkQueueCapacity = 4096;

    /// <summary>Half-open responder SAs one source address may hold by default (strongSwan's <c>charon.block_threshold</c> is 5 too).</summary>
    public const int DefaultHalfOpenPerSource = 5;

    private readonly IIkeTransport _transport;
    private readonly IIkePolicy _policy;
    private readonly IChildSaSink _sink;
    private readonly ILogger _log;
    private readonly ILoggerFactory _loggers;
    private readonly CookieGuard _cookies;
    private readonly CookieScreen _screen;
    private readonly Channel<Action> _work;
    private readonly Dictionary<ulong, IkeSa> _sas = [];
    private readonly Dictionary<(ulong SpiI, IPEndPoint Remote), IkeSa> _halfOpen = [];
    private readonly Dictionary<IkeSa, (ulong SpiI, IPEndPoint Remote)> _halfOpenKeys = [];
    // Half-open SAs per source address; an address is here only while it holds one, so this holds at most as many
    // entries as _halfOpen (the global limit bounds both).
    private readonly Dictionary<IPAddress, int> _halfOpenPerSource = [];
    private readonly HashSet<uint> _childSpis = [];
    private readonly Lock _spiLock = new();

    /// <summary>
    /// Creates an engine. <paramref name="responderConfig"/> null: this host does not answer IKE_SA_INIT.
    /// <paramref name="halfOpenPerSource"/>: half-open responder SAs one source address may hold (0: no limit).
    /// </summary>
    public IkeEngine(IIkeTransport transport, IIkePolicy policy, IChildSaSink sink, IkeSaConfig? responderConfig,
        TimeProvider? time = null, ILoggerFactory? loggers = null, int cookieThreshold = 50, int maxHalfOpen = 5000,
        int halfOpenPerSource = DefaultHalfOpenPerSource)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(halfOpenPerSource);
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _sink = sink ?? throw new ArgumentNullException(nameof(sink));
        ResponderConfig = responderConfig;
        Time = time ?? TimeProvider.System;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _log = _loggers.CreateLogger("IpsecFw.Ike.Engine");
        _cookies = new CookieGuard(Time, cookieThreshold);
        _screen = new CookieScreen(_cookies);
        MaxHalfOpen = maxHalfOpen;
        HalfOpenPerSource = halfOpenPerSource;
        // Wait, not DropWrite: writers only ever TryWrite, which under Wait returns false when the queue is full, so the
        // drop is counted (DropWrite makes TryWrite drop the item and still return true: uncounted drops, and an
        // InvokeAsync whose task never completes).
        _work = Channel.CreateBounded<Action>(new BoundedChannelOptions(WorkQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>The configuration answering IKE_SA_INIT requests when <see cref="ResponderConfigSelector"/> has none.</summary>
    public IkeSaConfig? ResponderConfig { get; set; }

    /// <summary>
    /// Chooses the configuration answering an IKE_SA_INIT by the address it came from (a configured peer's own
    /// configuration: its proposals, selectors and pool); null falls back to <see cref="ResponderConfig"/>. Called on
    /// the loop.
    /// </summary>
    public Func<IPEndPoint, IkeSaConfig?>? ResponderConfigSelector { get; set; }

    /// <summary>
    /// Chooses, at IKE_AUTH, the configuration answering the identity the initiator claims (RFC 7296 2.15); null keeps
    /// the one chosen by address at IKE_SA_INIT. Called on the loop.
    /// </summary>
    public ResponderIdentityChooser? ResponderIdentityChooser { get; set; }

    /// <inheritdoc/>
    public TimeProvider Time { get; }

    /// <summary>Most half-open responder SAs at once; more IKE_SA_INIT requests are dropped.</summary>
    public int MaxHalfOpen { get; }

    /// <summary>
    /// Most half-open responder SAs from one source address (0: no limit); more IKE_SA_INIT requests from it are dropped
    /// unanswered. Checked after the cookie (RFC 7296 2.6), so that while cookies are required only a source that
    /// returned one, and so receives at its address, can use up its share.
    /// </summary>
    public int HalfOpenPerSource { get; }

    /// <summary>Half-open responder SAs from <paramref name="address"/> now. Read on the loop.</summary>
    public int HalfOpenFrom(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return _halfOpenPerSource.GetValueOrDefault(SourceKey(address));
    }

    /// <summary>Drops and refusals before any SA.</summary>
    public IkeEngineCounters Counters { get; } = new();

    /// <summary>Raised on the loop when an IKE SA is established.</summary>
    public event Action<IkeSa>? Established;

    /// <summary>Raised on the loop when an IKE SA closes.</summary>
    public event Action<IkeSa, string>? Closed;

    /// <summary>Queues one received datagram (the non-ESP marker removed). Thread-safe; a full queue drops and counts.</summary>
    public void Post(byte[] message, IPEndPoint local, IPEndPoint remote)
    {
        if (!_work.Writer.TryWrite(() => Handle(message, local, remote)))
        {
            Counters.CountQueueFull();
        }
    }

    /// <summary>
    /// The receive threads' first look at a datagram, before <see cref="Post"/> (RFC 7296 2.6 under a flood): while
    /// cookies are required (<see cref="HalfOpenThreshold"/> half-open SAs or more) and this host answers
    /// IKE_SA_INIT, a request without a valid cookie is answered here, into <paramref name="response"/>, and a broken
    /// one dropped; both are counted. Everything else is <see cref="CookieScreenResult.Forward"/>: post it.
    /// Thread-safe, allocation-free; <paramref name="initiator"/> is the source's IP address as bytes (4 or 16).
    /// </summary>
    public CookieScreenResult Screen(ReadOnlySpan<byte> message, ReadOnlySpan<byte> initiator, Span<byte> response)
    {
        if (!_cookies.Required(Counters.HalfOpen) || (ResponderConfig is null && ResponderConfigSelector is null))
        {
            return CookieScreenResult.Forward;
        }

        CookieScreenResult result = _screen.Screen(message, initiator, response);
        if (result != CookieScreenResult.Forward)
        {
            Counters.CountReceived();
            if (result == CookieScreenResult.Answer)
            {
                Counters.CountCookieSent();
            }
            else
            {
                Counters.CountMalformed();
            }
        }

        return result;
    }

    /// <summary>Half-open responder SAs from which on a new initiator must return a cookie.</summary>
    public int HalfOpenThreshold => _cookies.HalfOpenThreshold;

    /// <summary>Runs <paramref name="action"/> on the loop and returns its result.</summary>
    public Task<T> InvokeAsync<T>(Func<T> action)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_work.Writer.TryWrite(() =>
        {
            try
            {
                done.SetResult(action());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }))
        {
            done.SetException(new InvalidOperationException("the IKE loop is not accepting work"));
        }

        return done.Task;
    }

    /// <summary>Starts an IKE SA to <paramref name="remote"/>.</summary>
    public Task<IkeSa> InitiateAsync(IkeSaConfig config, IPEndPoint local, IPEndPoint remote) => InvokeAsync(() =>
    {
        IkeSa sa = IkeSa.Initiate(config, this, local, remote, _loggers.CreateLogger("IpsecFw.Ike.Sa"));
        if (sa.State != IkeSaState.Closed)
        {
            _sas[sa.LocalSpi] = sa;
        }

        return sa;
    });

    /// <summary>
    /// Starts a dedicated CHILD_SA for <paramref name="owner"/> (a local program's path) on the established IKE SA with
    /// the peer configured as <paramref name="peerName"/> (<see cref="IkeSa.CreateDedicatedChild"/>); false when there
    /// is none, or it cannot start one now. The pair arrives later through the sink.
    /// </summary>
    public Task<bool> CreateDedicatedChildAsync(string peerName, string owner) => InvokeAsync(() =>
        _sas.Values.Distinct().FirstOrDefault(s => s.State == IkeSaState.Established && string.Equals(s.Config.Name, peerName, StringComparison.Ordinal))
            ?.CreateDedicatedChild(owner) ?? false);

    /// <summary>The SAs, read on the loop.</summary>
    public Task<IReadOnlyList<IkeSa>> SnapshotAsync() => InvokeAsync<IReadOnlyList<IkeSa>>(() => [.. _sas.Values.Distinct()]);

    /// <summary>Deletes every SA (DELETE to established peers) and gives the answers up to <paramref name="wait"/>.</summary>
    public Task ShutdownAsync(TimeSpan wait) => DeleteWhereAsync(static _ => true, "shutting down", "shut down", wait);

    /// <summary>The loop: work items as they come, timers every <paramref name="tick"/>. Ends when cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken, TimeSpan? tick = null)
    {
        TimeSpan period = tick ?? TimeSpan.FromMilliseconds(200);
        DateTimeOffset nextTick = Time.GetUtcNow() + period;
        while (!cancellationToken.IsCancellationRequested)
        {
            while (_work.Reader.TryRead(out Action? item))
            {
                RunSafely(item);
            }

            if (Time.GetUtcNow() >= nextTick)
            {
                RunSafely(OnTimer);
                nextTick = Time.GetUtcNow() + period;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(period);
            try
            {
                await _work.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The period passed or the engine stops.
            }
        }
    }

    /// <summary>Timers of every SA (retransmission, liveness, half-open expiry). Called by the loop.</summary>
    public void OnTimer()
    {
        foreach (IkeSa sa in _sas.Values.Distinct().ToList())
        {
            sa.OnTimer();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _work.Writer.TryComplete();
        foreach (IkeSa sa in _sas.Values.Distinct().ToList())
        {
            sa.Close("engine disposed");
        }

        _cookies.Dispose();
    }

    /// <summary>Handles one datagram on the loop (public for single-threaded tests).</summary>
    public void Handle(byte[] message, IPEndPoint local, IPEndPoint remote)
    {
        ArgumentNullException.ThrowIfNull(message);
        Counters.CountReceived();
        if (!IkeHeader.TryRead(message, out IkeHeader h) || h.MajorVersion != 2 || h.Length != message.Length)
        {
            Counters.CountMalformed();
            return;
        }

        if (h.ExchangeType == ExchangeType.IkeSaInit && !h.IsResponse && h.ResponderSpi == 0 && h.IsFromInitiator)
        {
            if (_halfOpen.TryGetValue((h.InitiatorSpi, remote), out IkeSa? existing))
            {
                existing.Receive(message, local, remote);
                return;
            }

            AcceptInit(message, local, remote);
            return;
        }

        ulong ours = h.IsFromInitiator ? h.ResponderSpi : h.InitiatorSpi;
        if (!_sas.TryGetValue(ours, out IkeSa? sa))
        {
            Counters.DroppedUnknownSpi++;
            return;
        }

        sa.Receive(message, local, remote);
    }

    private void AcceptInit(byte[] message, IPEndPoint local, IPEndPoint remote)
    {
        IkeSaConfig? config = ResponderConfigSelector?.Invoke(remote) ?? ResponderConfig;
        if (config is null || !IkeMessage.TryDecode(message, out IkeMessage request, out _))
        {
            Counters.CountMalformed();
            return;
        }

        if (_halfOpen.Count >= MaxHalfOpen)
        {
            Counters.DroppedHalfOpenLimit++;
            return;
        }

        if (_cookies.Required(_halfOpen.Count))
        {
            // RFC 7296 2.6: the cookie must be the first payload of the repeated request.
            NoncePayload? nonce = request.Get<NoncePayload>();
            if (nonce is null)
            {
                Counters.CountMalformed();
                return;
            }

            if (request.Payloads.Count == 0 || request.Payloads[0] is not NotifyPayload { NotifyType: NotifyType.Cookie } cookie
                || !_cookies.Verify(cookie.Data, nonce.Data, remote.Address, request.Header.InitiatorSpi))
            {
                Counters.CountCookieSent();
                var header = new IkeHeader(request.Header.InitiatorSpi, 0, PayloadType.None, 2, 0, ExchangeType.IkeSaInit, IkeHeaderFlags.Response, 0, 0);
                byte[] answer = new IkeMessage(header, [new NotifyPayload(NotifyType.Cookie, _cookies.Make(nonce.Data, remote.Address, request.Header.InitiatorSpi))]).Encode();
                _transport.Send(answer, local, remote);
                return;
            }
        }

        // strongSwan's receiver.c checks its block_threshold at the same place: after the cookie, before the SA.
        IPAddress source = SourceKey(remote.Address);
        if (HalfOpenPerSource > 0 && _halfOpenPerSource.GetValueOrDefault(source) >= HalfOpenPerSource)
        {
            Counters.DroppedPerSourceLimit++;
            _log.LogDebug("IKE_SA_INIT from {Remote} dropped: {Limit} half-open SAs from that address already", remote, HalfOpenPerSource);
            return;
        }

#pragma warning disable CA2000 // Owned by _sas from here; closed by the engine.
        IkeSa? sa = IkeSa.Respond(config, this, message, request, local, remote, _loggers.CreateLogger("IpsecFw.Ike.Sa"), out string? refusal);
#pragma warning restore CA2000
        if (sa is null)
        {
            Counters.InitRefused++;
            _log.LogInformation("IKE_SA_INIT from {Remote} refused: {Reason}", remote, refusal);
            return;
        }

        _sas[sa.LocalSpi] = sa;
        _halfOpen[(sa.InitiatorSpi, remote)] = sa;
        _halfOpenKeys[sa] = (sa.InitiatorSpi, remote);
        _halfOpenPerSource[source] = _halfOpenPerSource.GetValueOrDefault(source) + 1;
        Counters.HalfOpen = _halfOpen.Count;
        Counters.HalfOpenSources = _halfOpenPerSource.Count;
    }

    /// <inheritdoc/>
    public void FillRandom(Span<byte> destination) => RandomNumberGenerator.Fill(destination);

    /// <inheritdoc/>
    public void Send(IkeSa sa, byte[] message, IPEndPoint local, IPEndPoint remote) => _transport.Send(message, local, remote);

    /// <inheritdoc/>
    public uint AllocateChildSpi()
    {
        Span<byte> b = stackalloc byte[4];
        lock (_spiLock)
        {
            while (true)
            {
                RandomNumberGenerator.Fill(b);
                uint spi = BinaryPrimitives.ReadUInt32BigEndian(b);
                if (spi >= 256 && _childSpis.Add(spi))
                {
                    return spi;
                }
            }
        }
    }

    /// <inheritdoc/>
    public void ReleaseChildSpi(uint spi)
    {
        lock (_spiLock)
        {
            _childSpis.Remove(spi);
        }
    }

    /// <inheritdoc/>
    public bool AdmitPeer(IkeSa sa, PeerIdentity peer, out string reason) => _policy.AdmitPeer(sa, peer, out reason);

    /// <inheritdoc/>
    public bool TryNarrow(IkeSa sa, IReadOnlyList<TrafficSelector> tsi, IReadOnlyList<TrafficSelector> tsr,
        out IReadOnlyList<TrafficSelector> narrowedTsi, out IReadOnlyList<TrafficSelector> narrowedTsr) =>
        _policy.TryNarrow(sa, tsi, tsr, out narrowedTsi, out narrowedTsr);

    /// <inheritdoc/>
    public IkeSaConfig? ChooseResponderConfig(IkeSa sa, IdPayload initiatorId)
    {
        ArgumentNullException.ThrowIfNull(sa);
        return ResponderIdentityChooser is { } chooser ? chooser.Choose(initiatorId, sa.RemoteEndPoint, sa.Config) : sa.Config;
    }

    /// <inheritdoc/>
    public void OnEstablished(IkeSa sa)
    {
        ArgumentNullException.ThrowIfNull(sa);
        RemoveHalfOpen(sa);
        Established?.Invoke(sa);
    }

    /// <inheritdoc/>
    public void OnChildSaUp(IkeSa sa, ChildSa child) => _sink.Up(sa, child);

    /// <inheritdoc/>
    public void OnChildSaOutboundActive(IkeSa sa, ChildSa child) => _sink.Activate(sa, child);

    /// <inheritdoc/>
    public void OnRekeyed(IkeSa old, IkeSa replacement)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        _sas[replacement.LocalSpi] = replacement;
        Established?.Invoke(replacement);
    }

    /// <inheritdoc/>
    public void OnChildSaDown(IkeSa sa, ChildSa child)
    {
        ArgumentNullException.ThrowIfNull(child);
        _sink.Down(sa, child);
        ReleaseChildSpi(child.InboundSpi);
    }

    /// <inheritdoc/>
    public void OnClosed(IkeSa sa, string reason)
    {
        if (sa is null)
        {
            return;
        }

        if (_sas.TryGetValue(sa.LocalSpi, out IkeSa? known) && known == sa)
        {
            _sas.Remove(sa.LocalSpi);
        }

        if (RemoveHalfOpen(sa) && sa.HalfOpenExpired)
        {
            Counters.HalfOpenExpired++;
        }

        if (sa.AuthInvalidSyntax)
        {
            Counters.AuthInvalidSyntax++;
        }

        Counters.CountAuthFailure(sa.AuthFailure);
        Closed?.Invoke(sa, reason);
    }

    /// <summary>Forgets <paramref name="sa"/> as half-open (by its own key, so that expiring thousands stays linear); true if it was.</summary>
    private bool RemoveHalfOpen(IkeSa sa)
    {
        if (!_halfOpenKeys.Remove(sa, out var key))
        {
            return false;
        }

        _halfOpen.Remove(key);
        IPAddress source = SourceKey(key.Remote.Address);
        if (_halfOpenPerSource.TryGetValue(source, out int n) && n > 1)
        {
            _halfOpenPerSource[source] = n - 1;
        }
        else
        {
            _halfOpenPerSource.Remove(source);
        }

        Counters.HalfOpen = _halfOpen.Count;
        Counters.HalfOpenSources = _halfOpenPerSource.Count;
        return true;
    }

    /// <summary>The address a source is counted under: an IPv4-mapped IPv6 address as the IPv4 address it maps.</summary>
    private static IPAddress SourceKey(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private void RunSafely(Action item)
    {
        try
        {
            item();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A bug in one exchange must not take the daemon down with every other SA; it is logged loudly.
            _log.LogError(e, "IKE loop: unhandled error in a work item");
        }
    }
}
