using System.Net;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;
using IpsecFw.Tun.Testing;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>
/// The acquire queue: traps by destination prefix, one acquire per peer at a time, a bounded number of held packets
/// per peer, release in order, failure, timeout and back-off, each drop under its own counter; then the outbound loop
/// of an in-process host holding packets until their SA is installed and sending them through <see cref="OutboundLoop.Inject"/>.
/// </summary>
public sealed class AcquireQueueTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private static readonly IPAddress s_a4 = IPAddress.Parse("198.19.16.5");
    private static readonly IPAddress s_b4 = IPAddress.Parse("198.19.32.7");
    private static readonly IPNetwork s_bNet = IPNetwork.Parse("198.19.32.0/20");

    [Fact]
    public void A_destination_without_a_trap_is_left_to_the_caller()
    {
        var queue = new AcquireQueue();
        queue.AddTrap("b", [s_bNet]);
        using Packet p = Packet.Udp(s_a4, IPAddress.Parse("192.0.2.1"), 1);
        Assert.False(queue.TryHold([192, 0, 2, 1], p.Buffer));
        Assert.Equal(0, queue.Raised);
        Assert.Equal(0, queue.Held);
        Assert.False(queue.Requests.TryRead(out _));
    }

    [Fact]
    public void The_first_packet_raises_one_acquire_and_later_ones_wait_up_to_the_bound()
    {
        var queue = new AcquireQueue(heldPerPeer: 4);
        queue.AddTrap("b", [s_bNet]);
        for (int i = 0; i < 6; i++)
        {
            using Packet p = Packet.Udp(s_a4, s_b4, (ushort)i);
            Assert.True(queue.TryHold(s_b4.GetAddressBytes(), p.Buffer));
        }

        Assert.True(queue.Requests.TryRead(out AcquireRequest request));
        Assert.Equal("b", request.Peer);
        Assert.False(queue.Requests.TryRead(out _)); // once per peer while pending
        Assert.Equal(1, queue.Raised);
        Assert.Equal(4, queue.Held);
        Assert.Equal(2, queue.DroppedQueueFull);
        Assert.Equal(new AcquireState("b", Pending: true, Held: 4), Assert.Single(queue.Snapshot()));
    }

    [Fact]
    public void Release_hands_the_held_packets_on_in_order_byte_for_byte_and_ends_the_acquire()
    {
        var time = new FakeTimeProvider();
        var queue = new AcquireQueue(heldPerPeer: 8, time: time);
        queue.AddTrap("b", [s_bNet]);
        var sent = new List<byte[]>();
        for (int i = 0; i < 3; i++)
        {
            using Packet p = Packet.Udp(s_a4, s_b4, (ushort)(100 + i));
            sent.Add(p.Buffer.Packet.ToArray());
            Assert.True(queue.TryHold(s_b4.GetAddressBytes(), p.Buffer));
        }

        var released = new List<byte[]>();
        int count = queue.Release("b", held =>
        {
            foreach (PacketBuffer b in held.Span)
            {
                Assert.Equal(PacketBuffer.Headroom, b.Offset); // room to seal in place
                released.Add(b.Packet.ToArray());
            }

            return held.Length;
        });

        Assert.Equal(3, count);
        Assert.Equal(sent, released);
        Assert.Equal(3, queue.Released);
        Assert.Equal(new AcquireState("b", Pending: false, Held: 0), Assert.Single(queue.Snapshot()));
        Assert.Equal(0, queue.Release("b", _ => throw new InvalidOperationException("nothing is held")));

        // The SA is lost later: the next packet raises a new acquire (after the retry interval).
        time.Advance(queue.RetryInterval);
        using Packet again = Packet.Udp(s_a4, s_b4, 7);
        Assert.True(queue.TryHold(s_b4.GetAddressBytes(), again.Buffer));
        Assert.Equal(2, queue.Raised);
    }

    [Fact]
    public void A_failed_negotiation_drops_the_held_packets_and_the_next_acquire_waits_for_the_retry_interval()
    {
        var time = new FakeTimeProvider();
        var queue = new AcquireQueue(time: time, retryInterval: TimeSpan.FromSeconds(2));
        queue.AddTrap("b", [s_bNet]);
        for (int i = 0; i < 3; i++)
        {
            using Packet p = Packet.Udp(s_a4, s_b4, (ushort)i);
            queue.TryHold(s_b4.GetAddressBytes(), p.Buffer);
        }

        Assert.Equal(3, queue.Fail("b"));
        Assert.Equal(3, queue.DroppedFailed);
        Assert.Equal(new AcquireState("b", Pending: false, Held: 0), Assert.Single(queue.Snapshot()));

        time.Advance(TimeSpan.FromSeconds(1));
        using (Packet p = Packet.Udp(s_a4, s_b4, 9))
        {
            Assert.True(queue.TryHold(s_b4.GetAddressBytes(), p.Buffer));
        }

        Assert.Equal(1, queue.DroppedBackoff);
        Assert.Equal(1, queue.Raised);

        time.Advance(TimeSpan.FromSeconds(1));
        using (Packet p = Packet.Udp(s_a4, s_b4, 10))
        {
            Assert.True(queue.TryHold(s_b4.GetAddressBytes(), p.Buffer));
        }

        Assert.Equal(2, queue.Raised);
        Assert.Equal(4, queue.Held);
    }

    [Fact]
    public void An_acquire_pending_past_the_hold_timeout_drops_its_packets_as_timeout()
    {
        var time = new FakeTimeProvider();
        var queue = new AcquireQueue(time: time, holdTimeout: TimeSpan.FromSeconds(10));
        queue.AddTrap("b", [s_bNet]);
        using (Packet p = Packet.Udp(s_a4, s_b4, 1))
        {
            queue.TryHold(s_b4.GetAddressBytes(), p.Buffer);
        }

        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, queue.Expire());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Expire());
        Assert.Equal(1, queue.DroppedTimeout);
        Assert.False(Assert.Single(queue.Snapshot()).Pending);
    }

    [Fact]
    public void Peers_are_independent_and_the_longest_prefix_chooses_the_peer()
    {
        var queue = new AcquireQueue();
        queue.AddTrap("wide", [IPNetwork.Parse("198.19.0.0/16")]);
        queue.AddTrap("narrow", [IPNetwork.Parse("198.19.32.0/24")]);
        using (Packet p = Packet.Udp(s_a4, s_b4, 1))
        {
            queue.TryHold(s_b4.GetAddressBytes(), p.Buffer);
        }

        using (Packet p = Packet.Udp(s_a4, IPAddress.Parse("198.19.40.1"), 1))
        {
            queue.TryHold([198, 19, 40, 1], p.Buffer);
        }

        Assert.Equal([new AcquireState("narrow", true, 1), new AcquireState("wide", true, 1)], queue.Snapshot());
        Assert.True(queue.Requests.TryRead(out AcquireRequest first));
        Assert.True(queue.Requests.TryRead(out AcquireRequest second));
        Assert.Equal(["narrow", "wide"], new[] { first.Peer, second.Peer });

        queue.RemoveTrap("narrow");
        Assert.Equal(1, queue.DroppedFailed);
        using Packet q = Packet.Udp(s_a4, s_b4, 2);
        Assert.True(queue.TryHold(s_b4.GetAddressBytes(), q.Buffer)); // now the wide trap's
        Assert.Equal(2, Assert.Single(queue.Snapshot()).Held);
    }

    [Fact]
    public void The_shared_pool_bounds_all_peers_together()
    {
        var queue = new AcquireQueue(heldPerPeer: 4, poolCapacity: 5);
        queue.AddTrap("b", [s_bNet]);
        queue.AddTrap("c", [IPNetwork.Parse("198.19.48.0/20")]);
        for (int i = 0; i < 4; i++)
        {
            using Packet p = Packet.Udp(s_a4, s_b4, 1);
            queue.TryHold(s_b4.GetAddressBytes(), p.Buffer);
            using Packet q = Packet.Udp(s_a4, IPAddress.Parse("198.19.48.1"), 1);
            queue.TryHold([198, 19, 48, 1], q.Buffer);
        }

        Assert.Equal(5, queue.Held);
        Assert.Equal(3, queue.DroppedQueueFull);
    }

    [Fact]
    public void An_explicit_request_is_raised_once_and_only_for_a_trapped_peer()
    {
        var queue = new AcquireQueue();
        queue.AddTrap("b", [s_bNet]);
        Assert.True(queue.Request("b"));
        Assert.False(queue.Request("b"));
        Assert.False(queue.Request("nobody"));
        Assert.True(queue.Requests.TryRead(out AcquireRequest r));
        Assert.Equal("b", r.Peer);
    }

    [Fact]
    public void Holding_allocates_nothing_once_warm()
    {
        var time = new FakeTimeProvider();
        var queue = new AcquireQueue(heldPerPeer: 16, time: time);
        queue.AddTrap("b", [s_bNet]);
        using Packet p = Packet.Udp(s_a4, s_b4, 1);
        byte[] destination = s_b4.GetAddressBytes();
        Func<ReadOnlyMemory<PacketBuffer>, int> send = held => held.Length;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
            {
                queue.TryHold(destination, p.Buffer); // 16 held, 4 over the bound
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            queue.Requests.TryRead(out _);
            queue.Release("b", send);
            time.Advance(queue.RetryInterval);
            if (round > 0)
            {
                Assert.Equal(0, allocated);
            }
        }

        Assert.Equal(3, queue.Raised);
        Assert.Equal(48, queue.Released);
    }

    [Fact]
    public void The_outbound_loop_holds_packets_without_an_sa_and_sends_them_in_order_once_it_is_installed()
    {
        var queue = new AcquireQueue();
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair(acquiresA: queue);
        using (a)
        using (b)
        {
            a.Selector.Remove(a.OutboundSa!); // no SA towards B yet
            queue.AddTrap("b", b.OwnNetworks);
            var packets = new List<byte[]>();
            for (ushort i = 0; i < 3; i++)
            {
                byte[] packet = PacketBuilder.Udp(s_a4, s_b4, 4000, (ushort)(5000 + i), "held"u8);
                packets.Add(packet);
                Assert.True(a.App.Inject(packet));
            }

            Assert.True(SpinWait.SpinUntil(() => queue.Held == 3, s_timeout));
            Assert.True(queue.Requests.TryRead(out AcquireRequest request));
            Assert.Equal("b", request.Peer);
            Assert.Equal(0, a.Counters.NoSa);
            Assert.Equal(0, a.Counters.OutboundPackets);

            // The CHILD_SA is installed: its routes first, then the release.
            foreach (IPNetwork network in b.OwnNetworks)
            {
                a.Selector.Add(network, a.OutboundSa!, DataPathHost.AddressB);
            }

            Assert.Equal(3, queue.Release("b", held => a.Outbound.Inject(held.Span)));
            Assert.Equal(packets, b.Received.Take(3, s_timeout));
            Assert.Equal(3, a.Counters.OutboundPackets);

            byte[] later = PacketBuilder.Udp(s_a4, s_b4, 4000, 6000, "direct"u8);
            Assert.True(a.App.Inject(later));
            Assert.Equal(later, b.Received.Take(s_timeout));
            Assert.Equal(3, queue.Held);
            Assert.Equal(0, a.TotalDrops());
        }
    }

    /// <summary>A UDP packet in a pooled-size buffer at the headroom offset, as the outbound loop reads one.</summary>
    private sealed class Packet : IDisposable
    {
        private Packet(byte[] bytes)
        {
            Buffer = new PacketBuffer(2048);
            bytes.CopyTo(Buffer.Bytes.AsSpan(PacketBuffer.Headroom));
            Buffer.Offset = PacketBuffer.Headroom;
            Buffer.Length = bytes.Length;
        }

        public PacketBuffer Buffer { get; }

        public static Packet Udp(IPAddress source, IPAddress destination, ushort port) =>
            new(PacketBuilder.Udp(source, destination, port, 53, "payload"u8));

        public void Dispose() => Buffer.Reset();
    }
}
