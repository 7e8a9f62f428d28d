using System.Runtime.Versioning;
using Microsoft.Extensions.Hosting;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Returns the native heap's free pages to the kernel once a burst of IKE traffic is over: every
/// <see cref="Period"/> it compares the engine's count of received IKE messages with the last one; after a period that
/// saw messages, the first period without any ends the burst and <see cref="NativeHeap.Trim"/> runs once. A handshake
/// frees most of what it allocates natively (the runtime's and OpenSSL's buffers for signatures, certificates and the
/// key exchange), but glibc keeps the freed blocks that sit between live ones resident; after 1,000 handshakes that was
/// about 8 MiB of the daemon's RSS (docs/performance.md, "Memory with 1,000 SAs"). The trim walks the arenas under
/// their locks for about a millisecond; the packet loops never call malloc, so only a handshake arriving in that
/// instant waits. Idle daemons and steady traffic do not trim again.
/// </summary>
public sealed class NativeHeapTrimmer : BackgroundService
{
    private readonly Func<long> _activity;
    private readonly Func<bool> _trim;
    private readonly TimeProvider _time;
    private long _lastSeen;
    private bool _busy;

    /// <summary>Follows the IKE engine of <paramref name="ike"/> (no activity while it is not running).</summary>
    [SupportedOSPlatform("linux")]
    public NativeHeapTrimmer(IkeService ike, TimeProvider time)
        : this(() => ike?.Engine?.Counters.Received ?? 0, NativeHeap.Trim, time)
    {
        ArgumentNullException.ThrowIfNull(ike);
    }

    /// <summary>For tests: any activity count and any trim.</summary>
    internal NativeHeapTrimmer(Func<long> activity, Func<bool> trim, TimeProvider time)
    {
        _activity = activity ?? throw new ArgumentNullException(nameof(activity));
        _trim = trim ?? throw new ArgumentNullException(nameof(trim));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    /// <summary>How often the activity is compared.</summary>
    public static TimeSpan Period { get; } = TimeSpan.FromSeconds(5);

    /// <summary>Trims done so far.</summary>
    public int Trims { get; private set; }

    /// <summary>One comparison; true when it trimmed (the period before saw messages, this one none).</summary>
    internal bool Tick()
    {
        long seen = _activity();
        if (seen != _lastSeen)
        {
            _lastSeen = seen;
            _busy = true;
            return false;
        }

        if (!_busy)
        {
            return false;
        }

        _busy = false;
        _trim();
        Trims++;
        return true;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Tick();
            }
        }
        catch (OperationCanceledException)
        {
            // The daemon stops.
        }
    }
}
