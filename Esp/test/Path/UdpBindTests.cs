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
}
