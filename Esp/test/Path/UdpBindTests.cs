using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Transport;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>
/// UdpBind with real sockets on 127.0.0.1 ephemeral ports (loopback only): raw datagrams both ways, and the two data-path
/// hosts exchanging ESP through the kernel instead of InMemoryBind.
/// </summary>
public sealed class UdpBindTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private static readonly IPEndPoint s_loopback = new(IPAddress.Loopback, 0);

    [Fact]
    public void Datagrams_are_received_at_the_headroom_offset_with_their_source()
    {
        using var bind = new UdpBind(s_loopback);
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        sender.Bind(s_loopback);
        for (int i = 0; i < 3; i++)
        {
            sender.SendTo(new byte[] { 1, 2, 3, (byte)i }, bind.LocalEndPoint);
        }

        var pool = new PacketPool(8, 2048);
        var bufs = new PacketBuffer[8];
        for (int i = 0; i < bufs.Length; i++)
        {
            Assert.True(pool.TryRent(out bufs[i]!));
        }

        SocketAddress[] sources = [.. Enumerable.Range(0, 8).Select(_ => UdpBind.CreateAddressSlot())];
        int got = 0;
        var clock = Stopwatch.StartNew();
        while (got < 3 && clock.Elapsed < s_timeout)
        {
            got += bind.Receive(bufs.AsSpan(got), sources.AsSpan(got));
        }

        Assert.Equal(3, got);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(PacketBuffer.Headroom, bufs[i].Offset);
            Assert.Equal(new byte[] { 1, 2, 3, (byte)i }, bufs[i].Packet.ToArray());
            Assert.Equal(sender.LocalEndPoint, new IPEndPoint(IPAddress.Any, 0).Create(sources[i]));
        }
    }

    [Fact]
    public void A_batch_smaller_than_the_queue_takes_what_fits_and_the_next_call_the_rest_in_order()
    {
        using var bind = new UdpBind(s_loopback);
        using Socket sender = Sender(AddressFamily.InterNetwork);
        for (int i = 0; i < 10; i++)
        {
            sender.SendTo(new byte[] { 7, (byte)i }, bind.LocalEndPoint);
        }

        (PacketBuffer[] bufs, SocketAddress[] sources) = Slots(4, 2048);
        var got = new List<byte[]>();
        var sizes = new List<int>();
        var clock = Stopwatch.StartNew();
        while (got.Count < 10 && clock.Elapsed < s_timeout)
        {
            int n = bind.Receive(bufs, sources);
            sizes.Add(n);
            got.AddRange(bufs.Take(n).Select(b => b.Packet.ToArray()));
        }

        Assert.All(sizes, n => Assert.InRange(n, 1, 4));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => new byte[] { 7, (byte)i }), got);
        Assert.Equal(0, bind.ReceiveErrors + bind.Truncated);
    }

    [Fact]
    public void A_datagram_larger_than_the_buffer_is_dropped_and_counted_and_the_ones_around_it_arrive()
    {
        using var bind = new UdpBind(s_loopback);
        using Socket sender = Sender(AddressFamily.InterNetwork);
        (PacketBuffer[] bufs, SocketAddress[] sources) = Slots(8, 64);
        int room = bufs[0].Bytes.Length - PacketBuffer.Headroom;
        sender.SendTo(new byte[] { 1 }, bind.LocalEndPoint);
        sender.SendTo(new byte[room + 1], bind.LocalEndPoint);
        sender.SendTo(new byte[] { 3 }, bind.LocalEndPoint);
        sender.SendTo(new byte[room], bind.LocalEndPoint);

        var got = new List<byte[]>();
        var clock = Stopwatch.StartNew();
        while (got.Count < 3 && clock.Elapsed < s_timeout)
        {
            int n = bind.Receive(bufs, sources);
            for (int i = 0; i < n; i++)
            {
                got.Add(bufs[i].Packet.ToArray());
                Assert.Equal(sender.LocalEndPoint, new IPEndPoint(IPAddress.Any, 0).Create(sources[i]));
            }
        }

        Assert.Equal(3, got.Count);
        Assert.Equal(new byte[] { 1 }, got[0]);
        Assert.Equal(new byte[] { 3 }, got[1]);
        Assert.Equal(room, got[2].Length);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(1, bind.Truncated);
        }
        else
        {
            Assert.Equal(1, bind.ReceiveErrors);
        }
    }

    [Fact]
    public void Ipv6_sources_are_reported_and_answered()
    {
        IPEndPoint local6 = new(IPAddress.IPv6Loopback, 0);
        UdpBind bind;
        try
        {
            bind = new UdpBind(local6);
        }
        catch (SocketException e)
        {
            Assert.Skip($"no IPv6 loopback here: {e.Message}");
            return;
        }

        using (bind)
        {
            using Socket sender = Sender(AddressFamily.InterNetworkV6);
            sender.SendTo(new byte[] { 6, 6 }, bind.LocalEndPoint);
            (PacketBuffer[] bufs, SocketAddress[] sources) = Slots(2, 2048);
            int n = 0;
            var clock = Stopwatch.StartNew();
            while (n == 0 && clock.Elapsed < s_timeout)
            {
                n = bind.Receive(bufs, sources);
            }

            Assert.Equal(1, n);
            Assert.Equal(sender.LocalEndPoint, new IPEndPoint(IPAddress.IPv6Any, 0).Create(sources[0]));

            // The reported source is usable as a destination as it stands.
            bufs[0].Bytes[bufs[0].Offset] = 9;
            Assert.Equal(1, bind.Send(bufs.AsSpan(0, 1), sources[0]));
            byte[] reply = new byte[16];
            sender.ReceiveTimeout = (int)s_timeout.TotalMilliseconds;
            Assert.Equal(2, sender.Receive(reply));
            Assert.Equal(new byte[] { 9, 6 }, reply[..2]);
        }
    }

    [Fact]
    public void A_send_longer_than_the_batch_size_goes_out_whole_and_in_order()
    {
        using var bind = new UdpBind(s_loopback, batchSize: 8);
        using Socket receiver = Sender(AddressFamily.InterNetwork);
        receiver.ReceiveTimeout = (int)s_timeout.TotalMilliseconds;
        (PacketBuffer[] bufs, _) = Slots(21, 2048);
        for (int i = 0; i < bufs.Length; i++)
        {
            bufs[i].Offset = PacketBuffer.Headroom + i;
            bufs[i].Length = 10 + i;
            bufs[i].Packet.Fill((byte)i);
        }

        Assert.Equal(21, bind.Send(bufs, receiver.LocalEndPoint!.Serialize()));
        byte[] got = new byte[2048];
        for (int i = 0; i < bufs.Length; i++)
        {
            int n = receiver.Receive(got);
            Assert.Equal(bufs[i].Packet.ToArray(), got[..n]);
        }

        Assert.Equal(0, bind.SendErrors);
    }

    [Fact]
    public void Runs_of_equal_sized_datagrams_arrive_as_the_separate_datagrams_they_were()
    {
        // With UDP GSO (off by default, on here) a run of equal sizes (the last may be shorter) is one message to the kernel; the receiver must
        // still see every datagram on its own, with its own bytes, in order. Sizes: 30 x 1000, 700, 5 x 1000, 1200, 2 x 64.
        int[] sizes = [.. Enumerable.Repeat(1000, 30), 700, .. Enumerable.Repeat(1000, 5), 1200, 64, 64];
        using var bind = new UdpBind(s_loopback, batchSize: 16) { UdpGsoActive = true };
        using Socket receiver = Sender(AddressFamily.InterNetwork);
        receiver.ReceiveTimeout = (int)s_timeout.TotalMilliseconds;
        (PacketBuffer[] bufs, _) = Slots(sizes.Length, 2048);
        for (int i = 0; i < bufs.Length; i++)
        {
            bufs[i].Length = sizes[i];
            bufs[i].Packet.Fill((byte)i);
        }

        Assert.Equal(sizes.Length, bind.Send(bufs, receiver.LocalEndPoint!.Serialize()));
        byte[] got = new byte[4096];
        for (int i = 0; i < bufs.Length; i++)
        {
            int n = receiver.Receive(got);
            Assert.Equal(bufs[i].Packet.ToArray(), got[..n]);
        }

        Assert.Equal(0, receiver.Available);
        Assert.Equal(0, bind.SendErrors);
        Assert.Equal(OperatingSystem.IsLinux(), bind.UdpGsoActive); // still on: the kernel took every GSO message
    }

    [Fact]
    public void Receiving_and_sending_a_warm_batch_allocates_nothing()
    {
        using var bind = new UdpBind(s_loopback);
        using Socket peer = Sender(AddressFamily.InterNetwork);
        SocketAddress peerAddress = peer.LocalEndPoint!.Serialize();
        (PacketBuffer[] bufs, SocketAddress[] sources) = Slots(8, 2048);
        byte[] datagram = new byte[100];
        byte[] sink = new byte[2048];
        peer.ReceiveTimeout = (int)s_timeout.TotalMilliseconds;
        long allocated = 0;
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < 8; i++)
            {
                peer.SendTo(datagram, bind.LocalEndPoint);
            }

            int got = 0;
            long deadline = Environment.TickCount64 + (long)s_timeout.TotalMilliseconds;
            long before = GC.GetAllocatedBytesForCurrentThread();
            while (got < 8 && Environment.TickCount64 < deadline)
            {
                got += bind.Receive(bufs.AsSpan(got), sources.AsSpan(got));
            }

            int sent = bind.Send(bufs.AsSpan(0, got), peerAddress);
            long after = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(8, got);
            Assert.Equal(8, sent);
            if (round >= 5)
            {
                allocated += after - before; // the first rounds warm up the JIT and the statics
            }

            for (int i = 0; i < 8; i++)
            {
                Assert.Equal(100, peer.Receive(sink));
            }
        }

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void As_root_on_linux_the_socket_buffers_are_forced_past_the_system_maximum()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Assert.Skip("needs root on Linux (SO_RCVBUFFORCE/SO_SNDBUFFORCE need CAP_NET_ADMIN)");
        }

        using var bind = new UdpBind(s_loopback);

        // Linux reports twice what was asked for (the other half is its bookkeeping).
        Assert.True(bind.ReceiveBufferSize >= UdpBind.SocketBufferSize, $"SO_RCVBUF {bind.ReceiveBufferSize}");
        Assert.True(bind.SendBufferSize >= UdpBind.SocketBufferSize, $"SO_SNDBUF {bind.SendBufferSize}");
    }

    [Fact]
    public void Dispose_wakes_a_blocked_receive()
    {
        var bind = new UdpBind(s_loopback);
        var pool = new PacketPool(1, 2048);
        Assert.True(pool.TryRent(out PacketBuffer? buf));
        int result = -1;
        var thread = new Thread(() => result = bind.Receive(new[] { buf! }, new[] { UdpBind.CreateAddressSlot() }));
        thread.Start();
        Thread.Sleep(100);
        bind.Dispose();
        Assert.True(thread.Join(TimeSpan.FromSeconds(2)));
        Assert.Equal(0, result);
    }

    [Fact]
    public void Two_hosts_exchange_esp_over_loopback_sockets()
    {
        const int Total = 1_000;
        const int Window = 50;
        var bindA = new UdpBind(s_loopback);
        var bindB = new UdpBind(s_loopback);
        (DataPathHost a, DataPathHost b) = DataPathHost.Pair(bindA, bindA.LocalEndPoint, bindB, bindB.LocalEndPoint);
        using (a)
        using (b)
        {
            IPAddress[] aAddresses = [IPAddress.Parse("198.19.16.5"), IPAddress.Parse("2001:2:a::5")];
            IPAddress[] bAddresses = [IPAddress.Parse("198.19.32.7"), IPAddress.Parse("2001:2:b::7")];
            var sent = new List<byte[]>();
            var got = new List<byte[]>();
            byte[] payload = new byte[1000];
            for (int start = 0; start < Total; start += Window)
            {
                for (int i = start; i < start + Window; i++)
                {
                    BinaryPrimitives.WriteInt32BigEndian(payload, i);
                    byte[] packet = PacketBuilder.Udp(aAddresses[i & 1], bAddresses[i & 1], 5000, 6000, payload);
                    Assert.True(a.App.Inject(packet));
                    sent.Add(packet);
                }

                got.AddRange(b.Received.Take(Window, s_timeout));
            }

            Assert.Equal(Total, got.Count);
            for (int i = 0; i < Total; i++)
            {
                Assert.True(sent[i].AsSpan().SequenceEqual(got[i]), $"packet {i} differs or is out of order");
            }

            byte[] reply = PacketBuilder.Udp(bAddresses[0], aAddresses[0], 6000, 5000, "reply"u8);
            Assert.True(b.App.Inject(reply));
            Assert.Equal(reply, a.Received.Take(s_timeout));
            Assert.Equal(0, a.TotalDrops() + b.TotalDrops());
            Assert.Equal(0, bindA.ReceiveErrors + bindA.SendErrors + bindB.ReceiveErrors + bindB.SendErrors);
        }
    }

    private static Socket Sender(AddressFamily family)
    {
        var s = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
        return s;
    }

    private static (PacketBuffer[] Bufs, SocketAddress[] Sources) Slots(int count, int maxPacket)
    {
        var pool = new PacketPool(count, maxPacket);
        var bufs = new PacketBuffer[count];
        for (int i = 0; i < count; i++)
        {
            Assert.True(pool.TryRent(out bufs[i]!));
        }

        return (bufs, [.. Enumerable.Range(0, count).Select(_ => UdpBind.CreateAddressSlot())]);
    }
}
