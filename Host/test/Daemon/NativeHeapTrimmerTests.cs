using IpsecFw.Host.Daemon;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>When the daemon gives its native heap back: once after each burst of IKE messages, never while idle or busy.</summary>
public sealed class NativeHeapTrimmerTests
{
    [Fact]
    public void One_trim_follows_the_first_quiet_period_after_a_burst()
    {
        long received = 0;
        int trims = 0;
        using var trimmer = new NativeHeapTrimmer(() => received, () => ++trims > 0, new FakeTimeProvider());

        // Idle from the start: nothing to give back.
        Assert.False(trimmer.Tick());
        Assert.False(trimmer.Tick());

        // A burst over three periods, then quiet: one trim, in the first quiet period only.
        received = 500;
        Assert.False(trimmer.Tick());
        received = 1800;
        Assert.False(trimmer.Tick());
        received = 3000;
        Assert.False(trimmer.Tick());
        Assert.True(trimmer.Tick());
        Assert.False(trimmer.Tick());
        Assert.False(trimmer.Tick());
        Assert.Equal(1, trims);

        // A single message later (a DPD, a rekey) is a burst of its own.
        received++;
        Assert.False(trimmer.Tick());
        Assert.True(trimmer.Tick());
        Assert.Equal(2, trims);
        Assert.Equal(2, trimmer.Trims);
    }

    [Fact]
    public async Task The_service_ticks_on_its_period_and_stops_with_the_daemon()
    {
        long received = 0;
        int trims = 0;
        var time = new FakeTimeProvider();
        using var trimmer = new NativeHeapTrimmer(() => Interlocked.Read(ref received), () => Interlocked.Increment(ref trims) > 0, time);
        await trimmer.StartAsync(TestContext.Current.CancellationToken);
        Interlocked.Exchange(ref received, 42);
        for (int i = 0; i < 500 && Volatile.Read(ref trims) == 0; i++)
        {
            time.Advance(NativeHeapTrimmer.Period);
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, Volatile.Read(ref trims));
        await trimmer.StopAsync(TestContext.Current.CancellationToken);
    }
}
