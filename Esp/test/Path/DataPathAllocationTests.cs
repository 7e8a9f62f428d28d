using System.Buffers.Binary;
using System.Net;
using IpsecFw.Esp.DataPath;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>
/// Steady state allocates nothing on the loop threads. Measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/>
/// inside the loops (their test hook): it is exact per thread, so the test thread building packets and ChannelTun copying
/// them do not blur it, where a <see cref="GC.GetTotalAllocatedBytes(bool)"/> delta would count every thread in the
/// process. The window is the loops' own work: outbound from the return of the TUN read through SA selection, sealing
/// and the send on the InMemoryBind (which allocates nothing); inbound from the return of the receive through
/// decapsulation and the selector check. It leaves out the blocking waits and ChannelTun's Read/Write, which are a test
/// double that copies every packet into a new byte[] by design, like the real TUN device's kernel copy.
/// </summary>
public sealed class DataPathAllocationTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void Thousand_packets_from_A_to_B_allocate_nothing_on_the_loop_threads()
    {
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair();
        using (a)
        using (b)
        {
            Push(a, b, 1_000); // warm-up: JIT, tier-up, channel growth
            long outboundBefore = a.Outbound.AllocatedBytesForTesting;
            long inboundBefore = b.Inbound.AllocatedBytesForTesting;

            Push(a, b, 1_000);

            Assert.Equal(0, a.Outbound.AllocatedBytesForTesting - outboundBefore);
            Assert.Equal(0, b.Inbound.AllocatedBytesForTesting - inboundBefore);
            Assert.Equal(2_000, b.Counters.InboundPackets);
            Assert.Equal(0, a.TotalDrops() + b.TotalDrops());
        }
    }

    [Fact]
    public void The_policy_hook_on_both_loops_keeps_them_allocation_free()
    {
        var filterA = new PortFilter(0, PacketVerdict.Pass, outboundPort: 9, PacketVerdict.PolicyDenied);
        var filterB = new PortFilter(inboundPort: 9, PacketVerdict.PolicyDenied, 0, PacketVerdict.Pass);
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair(filterA, filterB);
        using (a)
        using (b)
        {
            Push(a, b, 1_000);
            long outboundBefore = a.Outbound.AllocatedBytesForTesting;
            long inboundBefore = b.Inbound.AllocatedBytesForTesting;

            Push(a, b, 1_000);

            Assert.Equal(0, a.Outbound.AllocatedBytesForTesting - outboundBefore);
            Assert.Equal(0, b.Inbound.AllocatedBytesForTesting - inboundBefore);
            Assert.Equal(2_000, filterA.OutboundCalls);
            Assert.Equal(2_000, filterB.InboundCalls);
            Assert.Equal(0, a.TotalDrops() + b.TotalDrops());
        }
    }

    [Fact]
    public void Raw_esp_loops_allocate_nothing_either()
    {
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryRawPair();
        using (a)
        using (b)
        {
            Push(a, b, 1_000);
            long outboundBefore = a.Outbound.AllocatedBytesForTesting;
            long inboundBefore = b.RawInbound!.AllocatedBytesForTesting;

            Push(a, b, 1_000);

            Assert.Equal(0, a.Outbound.AllocatedBytesForTesting - outboundBefore);
            Assert.Equal(0, b.RawInbound.AllocatedBytesForTesting - inboundBefore);
            Assert.Equal(0, b.Inbound.AllocatedBytesForTesting);
            Assert.Equal(2_000, b.Counters.InboundPackets);
            Assert.Equal(0, a.TotalDrops() + b.TotalDrops());
        }
    }

    private static void Push(DataPathHost a, DataPathHost b, int count)
    {
        const int Window = 100;
        IPAddress[] sources = [IPAddress.Parse("198.19.16.5"), IPAddress.Parse("2001:2:a::5")];
        IPAddress[] destinations = [IPAddress.Parse("198.19.32.7"), IPAddress.Parse("2001:2:b::7")];
        byte[] payload = new byte[1200];
        for (int start = 0; start < count; start += Window)
        {
            for (int i = start; i < start + Window; i++)
            {
                BinaryPrimitives.WriteInt32BigEndian(payload, i);
                Assert.True(a.App.Inject(PacketBuilder.Udp(sources[i & 1], destinations[i & 1], 1000, 2000, payload)));
            }

            Assert.Equal(Window, b.Received.Take(Window, s_timeout).Count);
        }
    }
}
