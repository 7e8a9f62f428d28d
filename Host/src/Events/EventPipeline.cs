// The intrusion-detection event pipeline (docs/architecture.md, "Intrusion-detection events"):
//
//   packet path (SpdPacketFilter, inbound and outbound loops)   IKE loop (IkeService: a refused IKE_AUTH)
//        │ RecordDenial: one IdsEvent copied into the ring          │ RecordIkeRefusal
//        │                  NFLOG reader (NflogReader: the kernel's nftables drops in clear) │ RecordKernelDrop
//        ▼        (no allocation, never blocks; full → dropped, counted)
//   EventRing (preallocated, bounded, many writers, one reader)
//        │
//   writer thread, every 50 ms: Drain
//     1. EventRateLimiter: a token bucket per remote address and one for all; over the limit → suppressed, counted
//     2. EventRenderer: fields and sentence                     (allocates: this thread only)
//     3. every sink: JsonFileSink, SyslogUdpSink, SyslogTcpSink (its own sender task), then Flush
//     4. once a second: "N suppressed" summaries due (each address at most every 10 s); a pending Reopen (SIGHUP)
using System.Net;
using System.Security.Cryptography.X509Certificates;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Control;
using IpsecFw.Host.Daemon;
using IpsecFw.Spd.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Events;

/// <summary>
/// Intrusion-detection events (<c>events</c> in the configuration): denials of the per-packet policy and refused IKE
/// peers, rate-limited, written as JSON lines and forwarded by syslog. Without <c>events</c> it is disabled and the
/// record methods return at once. Its counters are the <c>events</c> section of <c>ipsecfw status</c>.
/// </summary>
/// <remarks>
/// <see cref="RecordDenial"/> and <see cref="RecordIkeRefusal"/> are safe from any thread; the writer is one thread
/// of its own (or <see cref="Drain"/> called by a test while no writer runs).
/// </remarks>
public sealed class EventPipeline : IHostedService, IStatusSource, IDisposable
{
    private const int BatchLimit = 4096;
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(50);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly EventRing? _ring;
    private readonly EventRateLimiter? _limiter;
    private readonly List<IEventSink> _sinks = [];
    private readonly List<(string Prefix, Func<IEnumerable<KeyValuePair<string, long>>> Read)> _counterSources = [];
    private readonly List<(UInt128? Source, long Count, long Since)> _summaries = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly EventsOptions? _options;
    private Thread? _writer;
    private long _recorded;
    private long _emitted;
    private long _suppressed;
    private long _summariesEmitted;
    private long _lastQueueDrops;
    private long _nextTick;
    private int _reopen;

    /// <summary>The daemon's pipeline, configured by <c>events</c> (disabled when it is absent).</summary>
    public EventPipeline(DaemonState state, TimeProvider time, ILogger<EventPipeline> logger)
        : this(state?.Config.Events, state?.Config.BaseDirectory ?? "/", time, logger, null)
    {
    }

    /// <summary>A pipeline with <paramref name="sinks"/> instead of those of the options (tests).</summary>
    internal EventPipeline(EventsOptions? options, string baseDirectory, TimeProvider time, ILogger logger, IReadOnlyList<IEventSink>? sinks)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _time = time;
        _logger = logger;
        _options = options;
        if (options is null)
        {
            return;
        }

        _ring = new EventRing(options.QueueSize);
        _limiter = new EventRateLimiter(options.PerSourceRate, options.PerSourceBurst, options.TotalRate);
        Host = options.Hostname ?? Environment.MachineName;
        if (sinks is not null)
        {
            _sinks.AddRange(sinks);
            return;
        }

        if (options.File is { } file)
        {
            _sinks.Add(new JsonFileSink(Path.GetFullPath(file, baseDirectory), options.MaxFileBytes, Host, logger));
        }

        for (int i = 0; i < options.Syslog.Count; i++)
        {
            SyslogTargetOptions target = options.Syslog[i];
            var endPoint = new IPEndPoint(IPAddress.Parse(target.Address), target.EffectivePort);
            int facility = SyslogFacility.TryParse(target.Facility, out int code)
                ? code
                : throw new ArgumentException($"events.syslog[{i}].facility: '{target.Facility}' is not a syslog facility", nameof(options));
            string name = "syslog" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _sinks.Add(target.Protocol switch
            {
                "tcp" => new SyslogTcpSink(name, endPoint, facility, Host, logger),
                "tls" => new SyslogTcpSink(name, endPoint, facility, Host, logger, Tls(target, baseDirectory)),
                _ => new SyslogUdpSink(name, endPoint, facility, Host, logger),
            });
        }
    }

    /// <summary>The TLS settings of a <c>tls</c> collector, its files read (the configuration was validated).</summary>
    private static SyslogTls Tls(SyslogTargetOptions target, string baseDirectory)
    {
        var cas = new X509Certificate2Collection();
        foreach (string file in target.CaCertificates)
        {
            cas.AddRange(CertificateFiles.Read(Path.GetFullPath(file, baseDirectory)));
        }

#pragma warning disable CA2000 // The sink owns the client certificate and disposes it with itself (SyslogTcpSink.Dispose).
        X509Certificate2? client = target.ClientCertificate is { } certificate && target.ClientKey is { } key
            ? X509Certificate2.CreateFromPemFile(Path.GetFullPath(certificate, baseDirectory), Path.GetFullPath(key, baseDirectory))
            : null;
#pragma warning restore CA2000
        return new SyslogTls(target.ServerName ?? target.Address, cas, client);
    }

    /// <summary>True when <c>events</c> is configured.</summary>
    public bool Enabled => _ring is not null;

    /// <summary>The host name the events carry.</summary>
    public string Host { get; } = "-";

    /// <inheritdoc/>
    public string Component => "events";

    /// <summary>
    /// The packet path: a new flow's packet denied by <paramref name="verdict"/> of <paramref name="policy"/>, on the SA
    /// of <paramref name="spi"/> (whose peer is <paramref name="peer"/>, if known). Never blocks or allocates.
    /// </summary>
    internal void RecordDenial(bool inbound, in FlowKey flow, uint spi, SaPeer? peer, in Verdict verdict, EnforcedPolicy policy)
    {
        if (_ring is null)
        {
            return;
        }

        Interlocked.Increment(ref _recorded);
        _ring.TryWrite(new IdsEvent
        {
            Kind = IdsEventKind.Denied,
            UnixMilliseconds = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            Inbound = inbound,
            Flow = flow,
            Spi = spi,
            Verdict = verdict,
            Peer = peer,
            Policy = policy,
        });
    }

    /// <summary>
    /// The NFLOG reader: a packet in clear that the kernel's table denied by <paramref name="verdict"/> (the rule its log
    /// prefix named), arriving on (<paramref name="inbound"/>) or leaving by the interface <paramref name="interfaceIndex"/>;
    /// <paramref name="policy"/> is the running policy when that rule is its own, else null. Never blocks or allocates.
    /// </summary>
    internal void RecordKernelDrop(bool inbound, in FlowKey flow, uint interfaceIndex, in Verdict verdict, EnforcedPolicy? policy)
    {
        if (_ring is null)
        {
            return;
        }

        Interlocked.Increment(ref _recorded);
        _ring.TryWrite(new IdsEvent
        {
            Kind = IdsEventKind.KernelDenied,
            UnixMilliseconds = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            Inbound = inbound,
            Flow = flow,
            Interface = interfaceIndex,
            Verdict = verdict,
            Policy = policy,
        });
    }

    /// <summary>
    /// Adds counters to this pipeline's <c>events</c> section of <c>ipsecfw status</c>, each named
    /// <paramref name="prefix"/><c>.NAME</c> (the NFLOG reader's).
    /// </summary>
    internal void AddCounters(string prefix, Func<IEnumerable<KeyValuePair<string, long>>> read)
    {
        lock (_counterSources)
        {
            _counterSources.Add((prefix, read));
        }
    }

    /// <summary>
    /// The IKE loop: the IKE_AUTH of the peer at <paramref name="remote"/> was refused (<paramref name="reason"/>, with
    /// <paramref name="detail"/> in words); <paramref name="inbound"/> when the peer initiated.
    /// </summary>
    public void RecordIkeRefusal(IPEndPoint remote, IPEndPoint local, bool inbound, string peerConfig, string reason, string detail)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(local);
        if (_ring is null)
        {
            return;
        }

        Interlocked.Increment(ref _recorded);
        _ring.TryWrite(new IdsEvent
        {
            Kind = IdsEventKind.IkeRefused,
            UnixMilliseconds = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            Inbound = inbound,
            Flow = FlowKey.Create(remote.Address, local.Address, IpProtocol.Udp, (ushort)remote.Port, (ushort)local.Port),
            Reason = reason,
            Detail = detail,
            PeerConfig = peerConfig,
        });
    }

    /// <summary>Asks the writer to close and reopen the file (SIGHUP, <c>reload</c>: logrotate moved it).</summary>
    public void Reopen() => Interlocked.Exchange(ref _reopen, 1);

    /// <summary>
    /// Moves what the ring holds through the rate limit into the sinks, and emits the summaries that are due (all of
    /// them with <paramref name="flush"/>). Returns how many events were taken from the ring. One caller at a time.
    /// </summary>
    internal int Drain(bool flush = false)
    {
        if (_ring is null || _limiter is null)
        {
            return 0;
        }

        if (Interlocked.Exchange(ref _reopen, 0) == 1)
        {
            foreach (IEventSink sink in _sinks)
            {
                sink.Reopen();
            }
        }

        int taken = 0;
        bool wrote = false;
        while (taken < BatchLimit && _ring.TryRead(out IdsEvent e))
        {
            taken++;
            // The remote end: a packet's source inbound, its destination outbound; the peer of an IKE refusal.
            UInt128 source = e.Inbound || e.Kind == IdsEventKind.IkeRefused ? e.Flow.Source : e.Flow.Destination;
            if (_limiter.TryAcquire(source, e.UnixMilliseconds))
            {
                Emit(EventRenderer.Render(e));
                Interlocked.Increment(ref _emitted);
                wrote = true;
            }
            else
            {
                Interlocked.Increment(ref _suppressed);
            }
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (flush || now >= _nextTick)
        {
            _nextTick = now + 1000;
            _summaries.Clear();
            _limiter.CollectSummaries(now, flush, _summaries);
            foreach ((UInt128? source, long count, long since) in _summaries)
            {
                Emit(EventRenderer.Render(new IdsEvent
                {
                    Kind = IdsEventKind.Suppressed,
                    UnixMilliseconds = now,
                    Flow = new FlowKey(source ?? UInt128.Zero, UInt128.Zero, 0, 0, 0),
                    OtherSources = source is null,
                    Count = count,
                    SinceMilliseconds = since,
                }));
                Interlocked.Increment(ref _summariesEmitted);
                wrote = true;
            }

            long drops = _ring.Dropped;
            if (drops != _lastQueueDrops)
            {
                EventLog.QueueFull(_logger, drops - _lastQueueDrops);
                _lastQueueDrops = drops;
            }
        }

        if (wrote)
        {
            foreach (IEventSink sink in _sinks)
            {
                sink.Flush();
            }
        }

        return taken;
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, long> ReadCounters()
    {
        var counters = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["recorded"] = Interlocked.Read(ref _recorded),
            ["emitted"] = Interlocked.Read(ref _emitted),
            ["suppressed"] = Interlocked.Read(ref _suppressed),
            ["summaries"] = Interlocked.Read(ref _summariesEmitted),
            ["dropped_queue_full"] = _ring?.Dropped ?? 0,
        };
        foreach (IEventSink sink in _sinks)
        {
            foreach ((string name, long value) in sink.ReadCounters())
            {
                counters[sink.Name + "." + name] = value;
            }
        }

        lock (_counterSources)
        {
            foreach ((string prefix, Func<IEnumerable<KeyValuePair<string, long>>> read) in _counterSources)
            {
                foreach ((string name, long value) in read())
                {
                    counters[prefix + "." + name] = value;
                }
            }
        }

        return counters;
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_ring is null || _writer is not null)
        {
            return Task.CompletedTask;
        }

        EventLog.Started(_logger, string.Join(", ", _sinks.Select(s => s.Description)), _options!.PerSourceRate, _options.TotalRate);
        _writer = new Thread(Run) { IsBackground = true, Name = "ipsecfw events" };
        _writer.Start();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        StopWriter();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        StopWriter();
        foreach (IEventSink sink in _sinks)
        {
            sink.Dispose();
        }

        _sinks.Clear();
        _stop.Dispose();
    }

    private void StopWriter()
    {
        if (_writer is null)
        {
            return;
        }

        _stop.Cancel();
        _writer.Join(TimeSpan.FromSeconds(5));
        _writer = null;
        foreach (IEventSink sink in _sinks)
        {
            if (sink is SyslogTcpSink tcp)
            {
                tcp.Stop(TimeSpan.FromSeconds(2));
            }
        }
    }

    private void Run()
    {
        WaitHandle stop = _stop.Token.WaitHandle;
        while (!stop.WaitOne(s_interval))
        {
            while (Drain() == BatchLimit)
            {
                // a full batch: more is waiting
            }
        }

        // The last events, and every pending summary, before the sinks close.
        while (Drain(flush: true) > 0)
        {
        }
    }

    private void Emit(RenderedEvent e)
    {
        foreach (IEventSink sink in _sinks)
        {
            sink.Write(e);
        }
    }
}
