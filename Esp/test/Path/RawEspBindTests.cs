using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Transport;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>
/// RawEspBind with real IP protocol 50 sockets on loopback addresses only (127.0.0.1, 127.0.0.2, ::1): the IPv4 header
/// skipped, IPv6 delivered as is, the destination port cleared, oversized packets counted, and two data-path hosts
/// exchanging raw ESP through the kernel. Raw sockets need root (CAP_NET_RAW): the tests say "not run" without it.
/// </summary>
public sealed class RawEspBindTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private static readonly IPAddress s_a = IPAddress.Parse("127.0.0.1");
    private static readonly IPAddress s_b = IPAddress.Parse("127.0.0.2");

    [Fact]
    public void Ipv4_packets_arrive_past_their_ip_header_with_their_source()
    {
        RequireRoot();
        using var a = new RawEspBind(s_a);
        using var b = new RawEspBind(s_b);
        (PacketBuffer[] bufs, SocketAddress[] sources) = Slots(8);
        for (int i = 0; i < 3; i++)
        {
            bufs[i].Offset = PacketBuffer.Headroom;
            bufs[i].Length = 16;
            bufs[i].Bytes.AsSpan(PacketBuffer.Headroom, 16).Fill((byte)(0x40 + i));
        }

        // The destination carries the NAT-T port, as the outbound selector keeps it: the bind clears it.
        Assert.Equal(3, a.Send(bufs.AsSpan(0, 3), new IPEndPoint(s_b, 4500).Serialize()));
        int got = ReceiveAtLeast(b, bufs, sources, 3);
        Assert.Equal(3, got);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(PacketBuffer.Headroom + 20, bufs[i].Offset);
            Assert.Equal(Enumerable.Repeat((byte)(0x40 + i), 16).ToArray(), bufs[i].Packet.ToArray());
            Assert.Equal(s_a, ((IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(sources[i])).Address);
        }

        Assert.Equal(0, a.SendErrors);
    }

    [Fact]
    public void Ipv6_packets_arrive_without_a_header_and_the_port_is_cleared()
    {
        RequireRoot();
        RawEspBind bind;
        try
        {
            bind = new RawEspBind(IPAddress.IPv6Loopback);
        }
        catch (SocketException e)
        {
            Assert.Skip($"no IPv6 loopback here: {e.Message}");
            return;
        }

        using (bind)
        {
            (PacketBuffer[] bufs, SocketAddress[] sources) = Slots(2);
            bufs[0].Offset = PacketBuffer.Headroom;
            bufs[0].Length = 12;
            bufs[0].Bytes.AsSpan(PacketBuffer.Headroom, 12).Fill(0x66);
            Assert.Equal(1, bind.Send(bufs.AsSpan(0, 1), new IPEndPoint(IPAddress.IPv6Loopback, 4500).Serialize()));
            Assert.Equal(1, ReceiveAtLeast(bind, bufs, sources, 1));
            Assert.Equal(PacketBuffer.Headroom, bufs[0].Offset);
            Assert.Equal(Enumerable.Repeat((byte)0x66, 12).ToArray(), bufs[0].Packet.ToArray());
        }
    }

    [Fact]
    public void A_packet_larger_than_the_buffer_is_counted_and_the_next_one_arrives()
    {
        RequireRoot();
        using var a = new RawEspBind(s_a);
        using var b = new RawEspBind(s_b);
        Assert.True(new PacketPool(1, 8192).TryRent(out PacketBuffer? big));
        big!.Offset = PacketBuffer.Headroom;
        big.Length = 4000; // larger than a 2,048-byte pool buffer can receive
        (PacketBuffer[] bufs, SocketAddress[] sources) = Slots(4);
        SocketAddress to = new IPEndPoint(s_b, 0).Serialize();
        Assert.Equal(1, a.Send([big], to));
        bufs[0].Offset = PacketBuffer.Headroom;
        bufs[0].Length = 8;
        Assert.Equal(1, a.Send(bufs.AsSpan(0, 1), to));
        Assert.Equal(1, ReceiveAtLeast(b, bufs, sources, 1));
        Assert.Equal(8, bufs[0].Length);
        Assert.Equal(1, b.Truncated);
    }

    [Fact]
    public void Dispose_wakes_a_blocked_receive()
    {
        RequireRoot();
        var bind = new RawEspBind(s_b);
        (PacketBuffer[] bufs, SocketAddress[] sources) = Slots(1);
        int result = -1;
        var thread = new Thread(() => result = bind.Receive(bufs, sources));
        thread.Start();
        Thread.Sleep(100);
        bind.Dispose();
        Assert.True(thread.Join(TimeSpan.FromSeconds(2)));
        Assert.Equal(0, result);
    }

    [Fact]
    public void Two_hosts_exchange_raw_esp_over_loopback_sockets()
    {
        RequireRoot();
        const int Total = 400;
        const int Window = 50;
        var udpA = new UdpBind(new IPEndPoint(s_a, 0));
        var udpB = new UdpBind(new IPEndPoint(s_a, 0));
        var rawA = new RawEspBind(s_a);
        var rawB = new RawEspBind(s_b);
        (DataPathHost a, DataPathHost b) = DataPathHost.RawPair(
            udpA, rawA, new IPEndPoint(s_a, 4500), udpB, rawB, new IPEndPoint(s_b, 4500));
        using (a)
        using (b)
        {
            var sent = new List<byte[]>();
            for (int start = 0; start < Total; start += Window)
            {
                for (int i = start; i < start + Window; i++)
                {
                    byte[] payload = new byte[200 + i];
                    payload[0] = (byte)i;
                    bool v6 = (i & 1) != 0;
                    byte[] p = PacketBuilder.Udp(
                        IPAddress.Parse(v6 ? "2001:2:a::5" : "198.19.16.5"), IPAddress.Parse(v6 ? "2001:2:b::7" : "198.19.32.7"), 1000, 2000, payload);
                    sent.Add(p);
                    Assert.True(a.App.Inject(p));
                }

                Assert.Equal(sent.Skip(start).Take(Window), b.Received.Take(Window, s_timeout));
            }

            byte[] reply = PacketBuilder.Udp(IPAddress.Parse("198.19.32.7"), IPAddress.Parse("198.19.16.5"), 2000, 1000, "back"u8);
            Assert.True(b.App.Inject(reply));
            Assert.Equal(reply, a.Received.Take(s_timeout));
            Assert.Equal(0, a.TotalDrops() + b.TotalDrops());
            Assert.Equal(0, rawA.SendErrors + rawB.SendErrors + rawA.Truncated + rawB.Truncated + rawA.Malformed + rawB.Malformed);
        }
    }

    private static void RequireRoot()
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            Assert.Skip("needs root on Linux (raw ESP sockets need CAP_NET_RAW)");
        }
    }

    private static int ReceiveAtLeast(RawEspBind bind, PacketBuffer[] bufs, SocketAddress[] sources, int count)
    {
        int got = 0;
        var clock = Stopwatch.StartNew();
        while (got < count && clock.Elapsed < s_timeout)
        {
            got += bind.Receive(bufs.AsSpan(got), sources.AsSpan(got));
        }

        return got;
    }

    private static (PacketBuffer[] Bufs, SocketAddress[] Sources) Slots(int count)
    {
        var pool = new PacketPool(count, 2048);
        var bufs = new PacketBuffer[count];
        for (int i = 0; i < count; i++)
        {
            Assert.True(pool.TryRent(out bufs[i]!));
        }

        return (bufs, [.. Enumerable.Range(0, count).Select(_ => UdpBind.CreateAddressSlot())]);
    }
}
