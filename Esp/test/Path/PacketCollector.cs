using System.Collections.Concurrent;
using IpsecFw.Esp.Buffers;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>
/// Drains the application end of a <see cref="ChannelTun"/> pair on its own thread, keeping a copy of every packet the
/// data path delivered, so the channel never fills while a test waits. Every wait is bounded.
/// </summary>
internal sealed class PacketCollector : IDisposable
{
    private readonly ChannelTun _end;
    private readonly BlockingCollection<byte[]> _packets = [];
    private readonly Thread _thread;
    private int _count;

    public PacketCollector(ChannelTun end)
    {
        _end = end;
        _thread = new Thread(Run) { IsBackground = true, Name = "collector-" + end.Name };
        _thread.Start();
    }

    /// <summary>Packets received so far.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The next packet, or null after <paramref name="timeout"/>.</summary>
    public byte[]? Take(TimeSpan timeout) => _packets.TryTake(out byte[]? p, timeout) ? p : null;

    /// <summary>Takes <paramref name="count"/> packets; fails the test if they do not all arrive within <paramref name="timeout"/>.</summary>
    public List<byte[]> Take(int count, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var list = new List<byte[]>(count);
        while (list.Count < count)
        {
            TimeSpan left = timeout - clock.Elapsed;
            byte[]? p = null;
            Assert.True(left > TimeSpan.Zero && _packets.TryTake(out p, left), $"only {list.Count} of {count} packets arrived within {timeout}");
            list.Add(p!);
        }

        return list;
    }

    /// <summary>True when no packet arrives within <paramref name="quiet"/>.</summary>
    public bool StaysEmpty(TimeSpan quiet) => !_packets.TryTake(out _, quiet);

    public void Dispose()
    {
        _end.Dispose();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private void Run()
    {
        var pool = new PacketPool(32, 2048);
        var bufs = new PacketBuffer[32];
        for (int i = 0; i < bufs.Length; i++)
        {
            pool.TryRent(out bufs[i]!);
        }

        while (true)
        {
            int n = _end.Read(bufs, PacketBuffer.Headroom);
            if (n == 0)
            {
                return;
            }

            for (int i = 0; i < n; i++)
            {
                _packets.Add(bufs[i].Packet.ToArray());
                Interlocked.Increment(ref _count);
            }
        }
    }
}
