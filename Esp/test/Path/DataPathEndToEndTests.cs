using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using IpsecFw.Esp.Testing;
using IpsecFw.Esp.Transport;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>
/// Two in-process hosts joined by ChannelTun and InMemoryBind (style guide H): a packet injected into A's TUN comes out
/// of B's TUN byte for byte, and every drop has its named counter.
/// </summary>
public sealed class DataPathEndToEndTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_quiet = TimeSpan.FromMilliseconds(300);

    private static readonly IPAddress s_a4 = IPAddress.Parse("198.19.16.5");
    private static readonly IPAddress s_b4 = IPAddress.Parse("198.19.32.7");
    private static readonly IPAddress s_a6 = IPAddress.Parse("2001:2:a::5");
    private static readonly IPAddress s_b6 = IPAddress.Parse("2001:2:b::7");

    public static TheoryData<string, string> Families => new() { { "198.19.16.5", "198.19.32.7" }, { "2001:2:a::5", "2001:2:b::7" } };

    [Theory]
    [MemberData(nameof(Families))]
    public void Udp_packet_crosses_byte_for_byte_and_the_reply_comes_back(string sourceText, string destinationText)
    {
        IPAddress source = IPAddress.Parse(sourceText);
        IPAddress destination = IPAddress.Parse(destinationText);
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair();
        using (a)
        using (b)
        {
            byte[] request = PacketBuilder.Udp(source, destination, 40000, 53, "what is the time?"u8);
            Assert.True(a.App.Inject(request));
            byte[]? arrived = b.Received.Take(s_timeout);
            Assert.NotNull(arrived);
            Assert.Equal(request, arrived);

            byte[] reply = PacketBuilder.Udp(destination, source, 53, 40000, "noon"u8);
            Assert.True(b.App.Inject(reply));
            byte[]? back = a.Received.Take(s_timeout);
            Assert.NotNull(back);
            Assert.Equal(reply, back);
            Assert.True(PacketBuilder.ChecksumsValid(back));

            Assert.Equal(1, a.Counters.OutboundPackets);
            Assert.Equal(1, b.Counters.InboundPackets);
            Assert.Equal(0, a.TotalDrops() + b.TotalDrops());
        }
    }

    [Fact]
    public void Ten_thousand_packets_each_way_arrive_complete_in_order_without_drops()
    {
        const int Total = 10_000;
        const int Window = 250;
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair();
        using (a)
        using (b)
        {
            var sentAb = new List<byte[]>(Total);
            var sentBa = new List<byte[]>(Total);
            var gotAb = new List<byte[]>(Total);
            var gotBa = new List<byte[]>(Total);
            Span<byte> payload = stackalloc byte[64];
            for (int start = 0; start < Total; start += Window)
            {
                for (int i = start; i < start + Window; i++)
                {
                    BinaryPrimitives.WriteInt32BigEndian(payload, i);
                    bool v6 = (i & 1) != 0; // both families interleaved: runs of one SA split by inner version
                    byte[] ab = PacketBuilder.Udp(v6 ? s_a6 : s_a4, v6 ? s_b6 : s_b4, 1000, 2000, payload);
                    byte[] ba = PacketBuilder.Udp(v6 ? s_b6 : s_b4, v6 ? s_a6 : s_a4, 2000, 1000, payload);
                    Assert.True(a.App.Inject(ab));
                    Assert.True(b.App.Inject(ba));
                    sentAb.Add(ab);
                    sentBa.Add(ba);
                }

                gotAb.AddRange(b.Received.Take(Window, s_timeout));
                gotBa.AddRange(a.Received.Take(Window, s_timeout));
            }

            for (int i = 0; i < Total; i++)
            {
                Assert.True(sentAb[i].AsSpan().SequenceEqual(gotAb[i]), $"A→B packet {i} differs or is out of order");
                Assert.True(sentBa[i].AsSpan().SequenceEqual(gotBa[i]), $"B→A packet {i} differs or is out of order");
            }

            Assert.Equal(Total, a.Counters.OutboundPackets);
            Assert.Equal(Total, b.Counters.InboundPackets);
            Assert.Equal(Total, b.Counters.OutboundPackets);
            Assert.Equal(Total, a.Counters.InboundPackets);
            Assert.Equal(Total, a.InboundSa!.Packets);
            Assert.Equal(Total, b.InboundSa!.Packets);
            Assert.Equal(0, a.TotalDrops() + b.TotalDrops());
            Assert.Equal(0, ((InMemoryBind)a.Bind).SendDrops + ((InMemoryBind)b.Bind).SendDrops);
        }
    }

    [Fact]
    public void Packet_without_an_SA_is_counted_as_no_sa()
    {
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair();
        using (a)
        using (b)
        {
            Assert.True(a.App.Inject(PacketBuilder.Udp(s_a4, IPAddress.Parse("192.0.2.1"), 1, 2, "x"u8)));
            Assert.True(WaitUntil(() => a.Counters.NoSa == 1));
            Assert.True(b.Received.StaysEmpty(s_quiet));
            Assert.Equal(0, a.Counters.OutboundPackets);
            Assert.Equal(0, a.OutboundSa!.Packets);
        }
    }

    [Fact]
    public void Inner_source_outside_the_SA_selectors_is_counted_and_not_delivered()
    {
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair();
        using (a)
        using (b)
        {
            // A routes by destination only, so a spoofed inner source is sealed and sent; B must refuse it (RFC 4301 5.2).
            Assert.True(a.App.Inject(PacketBuilder.Udp(IPAddress.Parse("198.19.153.9"), s_b4, 1, 2, "spoof"u8)));
            Assert.True(a.App.Inject(PacketBuilder.Udp(IPAddress.Parse("2001:2:b::1"), s_b6, 1, 2, "spoof"u8)));
            Assert.True(WaitUntil(() => b.Counters.SelectorMismatch == 2));
            Assert.Equal(2, b.InboundSa!.Packets); // decrypted and authentic, then refused
            Assert.True(b.Received.StaysEmpty(s_quiet));
            Assert.Equal(0, b.Counters.InboundPackets);

            // A good packet on the same SA still passes afterwards.
            byte[] good = PacketBuilder.Udp(s_a4, s_b4, 1, 2, "fine"u8);
            Assert.True(a.App.Inject(good));
            Assert.Equal(good, b.Received.Take(s_timeout));
        }
    }

    [Fact]
    public async Task Ike_datagram_behind_the_non_esp_marker_reaches_the_ike_sink()
    {
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair();
        using (a)
        using (b)
        {
            byte[] ike = new byte[4 + 28 + 8];
            ike.AsSpan(4).Fill(0x5A); // marker 0, then an IKE header's worth of bytes
            Assert.True(((InMemoryBind)a.Bind).Inject(ike));

            using var cts = new CancellationTokenSource(s_timeout);
            IkeDatagram received = await b.Ike.Reader.ReadAsync(cts.Token);
            Assert.Equal(ike.AsSpan(4).ToArray(), received.Message);
            Assert.Equal(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 4500), (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(received.Remote));
            Assert.Equal(1, b.Counters.IkeDelivered);
            Assert.True(b.Received.StaysEmpty(s_quiet));
        }
    }

    [Fact]
    public void Ike_datagrams_beyond_the_sink_capacity_are_dropped_and_counted()
    {
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair();
        using (a)
        using (b)
        {
            byte[] ike = new byte[4 + 28];
            for (int i = 0; i < 6; i++)
            {
                Assert.True(((InMemoryBind)a.Bind).Inject(ike));
            }

            Assert.True(WaitUntil(() => b.Counters.IkeDelivered + b.Counters.IkeQueueFull == 6));
            Assert.Equal(4, b.Counters.IkeDelivered); // the host's queue holds 4
            Assert.Equal(2, b.Counters.IkeQueueFull);
        }
    }

    [Fact]
    public void Nat_keepalive_is_counted_and_dropped()
    {
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair();
        using (a)
        using (b)
        {
            Assert.True(((InMemoryBind)a.Bind).Inject([0xFF]));
            Assert.True(WaitUntil(() => b.Table.GetDropCount(EspStatus.NatKeepalive) == 1));
            Assert.True(WaitUntil(() => b.Counters.EspRejected == 1));
            Assert.True(b.Received.StaysEmpty(s_quiet));
            Assert.False(b.Ike.Reader.TryRead(out _));
        }
    }

    [Fact]
    public void Stop_returns_within_two_seconds_with_threads_joined_and_buffers_returned()
    {
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair();
        using (a)
        using (b)
        {
            Assert.True(a.App.Inject(PacketBuilder.Udp(s_a4, s_b4, 1, 2, "last"u8)));
            Assert.NotNull(b.Received.Take(s_timeout));
            Assert.True(a.Pool.Available < DataPathHost.PoolSize); // the loops hold their batches

            var clock = Stopwatch.StartNew();
            bool joinedA = a.Stop(TimeSpan.FromSeconds(2));
            bool joinedB = b.Stop(TimeSpan.FromSeconds(2));
            clock.Stop();

            Assert.True(joinedA && joinedB, "a loop thread did not end");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"Stop took {clock.Elapsed}");
            Assert.Equal(DataPathHost.PoolSize, a.Pool.Available);
            Assert.Equal(DataPathHost.PoolSize, b.Pool.Available);
        }
    }

    internal static bool WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > s_timeout)
            {
                return false;
            }

            Thread.Sleep(5);
        }

        return true;
    }
}
