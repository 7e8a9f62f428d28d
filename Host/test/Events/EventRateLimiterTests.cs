using IpsecFw.Host.Events;

namespace IpsecFw.Host.Tests.Events;

/// <summary>Token buckets per remote address and in all, with the suppressed counts handed out as summaries.</summary>
public sealed class EventRateLimiterTests
{
    private static readonly UInt128 s_a = 1, s_b = 2;

    [Fact]
    public void One_address_gets_its_burst_then_its_rate_and_the_rest_is_summarised_every_ten_seconds()
    {
        var limiter = new EventRateLimiter(perSourceRate: 2, perSourceBurst: 5, totalRate: 1000);
        long now = 100_000;
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => limiter.TryAcquire(s_a, now)));

        // Another address has its own bucket.
        Assert.True(limiter.TryAcquire(s_b, now));

        // Half a second later: one token (2 a second).
        Assert.True(limiter.TryAcquire(s_a, now + 500));
        Assert.False(limiter.TryAcquire(s_a, now + 500));

        var summaries = new List<(UInt128? Source, long Count, long Since)>();
        limiter.CollectSummaries(now + 1000, flush: false, summaries);
        Assert.Empty(summaries); // not yet due: at most one summary per address every 10 s

        limiter.CollectSummaries(now + EventRateLimiter.SummaryIntervalMilliseconds, flush: false, summaries);
        (UInt128? source, long count, long since) = Assert.Single(summaries);
        Assert.Equal((s_a, 16L, now), (source, count, since));

        summaries.Clear();
        limiter.CollectSummaries(now + 30_000, flush: true, summaries);
        Assert.Empty(summaries); // counted once only
    }

    [Fact]
    public void The_total_bucket_holds_back_a_flood_from_many_addresses()
    {
        var limiter = new EventRateLimiter(perSourceRate: 10, perSourceBurst: 10, totalRate: 5);
        int passed = 0;
        for (int i = 0; i < 100; i++)
        {
            passed += limiter.TryAcquire((UInt128)(1000 + i), 0) ? 1 : 0;
        }

        Assert.Equal(10, passed); // burst of the total bucket: twice its rate
    }

    [Fact]
    public void Addresses_past_the_table_share_one_bucket_reported_as_other_sources()
    {
        var limiter = new EventRateLimiter(perSourceRate: 1, perSourceBurst: 1, totalRate: 100_000);
        for (int i = 0; i < EventRateLimiter.MaxSources; i++)
        {
            Assert.True(limiter.TryAcquire((UInt128)i, 0));
        }

        Assert.True(limiter.TryAcquire(UInt128.MaxValue, 0));      // the shared bucket's one token
        Assert.False(limiter.TryAcquire(UInt128.MaxValue - 1, 0)); // another newcomer: same bucket, empty
        Assert.Equal(EventRateLimiter.MaxSources, limiter.Sources);

        var summaries = new List<(UInt128? Source, long Count, long Since)>();
        limiter.CollectSummaries(1, flush: true, summaries);
        Assert.Equal((null, 1L), (Assert.Single(summaries).Source, summaries[0].Count));
    }
}
