namespace IpsecFw.Host.Events;

/// <summary>
/// Token buckets for intrusion-detection events: one per remote address (<c>events.perSourceRate</c> tokens a second up
/// to <c>events.perSourceBurst</c>) and one for all events (<c>events.totalRate</c>, burst twice that). An event passes
/// when both buckets hold a token; otherwise it is suppressed and counted against its address, and
/// <see cref="CollectSummaries"/> hands out the counts at most once per <see cref="SummaryIntervalMilliseconds"/> per
/// address, for one "N suppressed" event each. At most <see cref="MaxSources"/> addresses have buckets of their own;
/// the rest share one (reported as other sources), so a flood from spoofed addresses cannot grow the table.
/// </summary>
/// <remarks>Not thread-safe: used by the event writer's thread only.</remarks>
internal sealed class EventRateLimiter
{
    /// <summary>The addresses with a bucket of their own.</summary>
    public const int MaxSources = 1024;

    /// <summary>How often, at most, one address's suppressed events are summarised.</summary>
    public const long SummaryIntervalMilliseconds = 10_000;

    /// <summary>A bucket that is full, has nothing to report and was not used for this long is forgotten.</summary>
    private const long IdleMilliseconds = 60_000;

    private readonly double _perSourceRate;
    private readonly double _perSourceBurst;
    private readonly double _totalRate;
    private readonly double _totalBurst;
    private readonly Dictionary<UInt128, Bucket> _sources = [];
    private readonly Bucket _others;
    private readonly Bucket _total;

    /// <summary>Limits of <paramref name="perSourceRate"/> per second per address (burst <paramref name="perSourceBurst"/>) and <paramref name="totalRate"/> in all.</summary>
    public EventRateLimiter(int perSourceRate, int perSourceBurst, int totalRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSourceRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perSourceBurst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(totalRate, 1);
        _perSourceRate = perSourceRate / 1000.0;
        _perSourceBurst = perSourceBurst;
        _totalRate = totalRate / 1000.0;
        _totalBurst = 2.0 * totalRate;
        _others = new Bucket(_perSourceBurst, 0);
        _total = new Bucket(_totalBurst, 0);
    }

    /// <summary>Addresses with a bucket now.</summary>
    public int Sources => _sources.Count;

    /// <summary>True when an event from <paramref name="source"/> at <paramref name="now"/> (ms) may be emitted; false: suppressed and counted.</summary>
    public bool TryAcquire(UInt128 source, long now)
    {
        if (!_sources.TryGetValue(source, out Bucket? bucket))
        {
            if (_sources.Count < MaxSources)
            {
                bucket = new Bucket(_perSourceBurst, now);
                _sources[source] = bucket;
            }
            else
            {
                bucket = _others;
            }
        }

        bucket.Refill(now, _perSourceRate, _perSourceBurst);
        _total.Refill(now, _totalRate, _totalBurst);
        bucket.LastUsed = now;
        if (bucket.Tokens >= 1 && _total.Tokens >= 1)
        {
            bucket.Tokens -= 1;
            _total.Tokens -= 1;
            return true;
        }

        if (bucket.Suppressed == 0)
        {
            bucket.SuppressedSince = now;
        }

        bucket.Suppressed++;
        return false;
    }

    /// <summary>
    /// Adds (address, count, since) for every address whose suppressed events are due to be summarised at
    /// <paramref name="now"/> (all of them when <paramref name="flush"/>) and resets their counts; the shared bucket's
    /// count comes with a null address. Forgets idle buckets.
    /// </summary>
    public void CollectSummaries(long now, bool flush, List<(UInt128? Source, long Count, long Since)> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        List<UInt128>? idle = null;
        foreach ((UInt128 source, Bucket bucket) in _sources)
        {
            if (Take(bucket, now, flush) is { } summary)
            {
                into.Add((source, summary.Count, summary.Since));
            }
            else if (bucket.Suppressed == 0 && now - bucket.LastUsed >= IdleMilliseconds)
            {
                (idle ??= []).Add(source);
            }
        }

        if (Take(_others, now, flush) is { } others)
        {
            into.Add((null, others.Count, others.Since));
        }

        foreach (UInt128 source in idle ?? [])
        {
            _sources.Remove(source);
        }
    }

    private static (long Count, long Since)? Take(Bucket bucket, long now, bool flush)
    {
        if (bucket.Suppressed == 0 || (!flush && now - bucket.LastSummary < SummaryIntervalMilliseconds))
        {
            return null;
        }

        (long, long) result = (bucket.Suppressed, bucket.SuppressedSince);
        bucket.Suppressed = 0;
        bucket.LastSummary = now;
        return result;
    }

    private sealed class Bucket(double initialTokens, long created)
    {
        public double Tokens = initialTokens;
        public long Refilled = created;
        public long LastUsed = created;
        public long LastSummary = created;
        public long Suppressed;
        public long SuppressedSince;

        public void Refill(long now, double ratePerMs, double burst)
        {
            long elapsed = now - Refilled;
            if (elapsed > 0)
            {
                Tokens = Math.Min(burst, Tokens + elapsed * ratePerMs);
                Refilled = now;
            }
        }
    }
}
