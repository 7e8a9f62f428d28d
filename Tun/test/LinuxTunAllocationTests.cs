using System.Runtime.Versioning;
using IpsecFw.Esp.Buffers;
using IpsecFw.Tun.Testing;
using IpsecFw.Tun.Tests.Harness;

namespace IpsecFw.Tun.Tests;

[Trait("Category", "Tun")]
[SupportedOSPlatform("linux")]
public class LinuxTunAllocationTests
{
    /// <summary>
    /// Write an echo request from "behind" the TUN to the namespace's own address; the kernel answers through the TUN;
    /// read the reply. After warm-up, 1,000 such round trips allocate nothing on this thread.
    /// </summary>
    [Fact]
    public void Read_and_write_round_trips_allocate_nothing()
    {
        using TunNamespace ns = TunNamespace.Create();
        LinuxTun tun = ns.Tun;
        PacketBuffer[] tx = TunNamespace.Buffers(1);
        PacketBuffer[] rx = TunNamespace.Buffers(tun.BatchSize);
        int length = PacketBuilder.WriteEchoRequest(
            tx[0].Bytes.AsSpan(PacketBuffer.Headroom), TunNamespace.Remote4, TunNamespace.Local4, 0x1234, 1, new byte[56]);
        tx[0].Length = length;
        using var watchdog = new Timer(_ => tun.Dispose(), null, TimeSpan.FromSeconds(30), Timeout.InfiniteTimeSpan);

        Assert.Equal(200, RoundTrips(tun, tx, rx, 200)); // warm-up: JIT, tiering, first-use paths
        long before = GC.GetAllocatedBytesForCurrentThread();
        int done = RoundTrips(tun, tx, rx, 1000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1000, done);
        Assert.Equal(0, allocated);
        Assert.Equal(0, tun.WriteDrops);
        Assert.Equal(0, tun.ReadErrors);
    }

    private static int RoundTrips(LinuxTun tun, PacketBuffer[] tx, PacketBuffer[] rx, int count)
    {
        int replies = 0;
        for (int i = 0; i < count; i++)
        {
            if (tun.Write(tx) != 1)
            {
                return replies;
            }

            bool answered = false;
            while (!answered)
            {
                int n = tun.Read(rx, PacketBuffer.Headroom);
                if (n == 0)
                {
                    return replies; // the watchdog fired
                }

                for (int j = 0; j < n; j++)
                {
                    answered |= PacketBuilder.IsEchoReply(rx[j].Packet);
                }
            }

            replies++;
        }

        return replies;
    }
}
