using IpsecFw.Host.Events;

namespace IpsecFw.Host.Tests.Events;

/// <summary>The bounded ring between the packet path and the event writer.</summary>
public sealed class EventRingTests
{
    [Fact]
    public void Events_come_out_in_order_and_a_full_ring_drops_and_counts()
    {
        var ring = new EventRing(4);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(i < 4, ring.TryWrite(new IdsEvent { Count = i }));
        }

        Assert.Equal(2, ring.Dropped);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(ring.TryRead(out IdsEvent e));
            Assert.Equal(i, e.Count);
        }

        Assert.False(ring.TryRead(out _));

        // The slots are free again: a second lap.
        Assert.True(ring.TryWrite(new IdsEvent { Count = 10 }));
        Assert.True(ring.TryRead(out IdsEvent again));
        Assert.Equal(10, again.Count);
    }

    [Fact]
    public async Task Many_writers_and_one_reader_lose_nothing_that_was_accepted()
    {
        var ring = new EventRing(1024);
        const int Writers = 4, PerWriter = 50_000;
        long accepted = 0;
        long read = 0, sum = 0;
        using var done = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            while (true)
            {
                bool finished = done.IsCancellationRequested;
                while (ring.TryRead(out IdsEvent e))
                {
                    read++;
                    sum += e.Count;
                }

                if (finished)
                {
                    return;
                }
            }
        }, TestContext.Current.CancellationToken);
        long acceptedSum = 0;
        Parallel.For(0, Writers, w =>
        {
            for (int i = 1; i <= PerWriter; i++)
            {
                if (ring.TryWrite(new IdsEvent { Count = i }))
                {
                    Interlocked.Increment(ref accepted);
                    Interlocked.Add(ref acceptedSum, i);
                }
            }
        });
        done.Cancel();
        await reader;

        Assert.Equal(accepted, read);
        Assert.Equal(acceptedSum, sum);
        Assert.Equal(Writers * PerWriter, accepted + ring.Dropped);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(100)]
    public void The_capacity_is_a_power_of_two(int capacity) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new EventRing(capacity));
}
