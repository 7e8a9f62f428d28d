using System.Net;
using IpsecFw.Esp.Buffers;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Tun.Tests;

[Trait("Category", "Tun")]
public class ChannelTunTests
{
    private static readonly IPAddress s_a = IPAddress.Parse("198.18.7.1");
    private static readonly IPAddress s_b = IPAddress.Parse("198.18.7.2");

    private static PacketBuffer[] Buffers(int n) => Enumerable.Range(0, n).Select(_ => new PacketBuffer(2048)).ToArray();

    [Fact]
    public void What_one_end_writes_the_other_reads_in_a_batch_at_the_offset()
    {
        var (a, b) = ChannelTun.CreatePair(batchSize: 8);
        using (a)
        using (b)
        {
            PacketBuffer[] tx = Buffers(3);
            for (int i = 0; i < tx.Length; i++)
            {
                byte[] p = PacketBuilder.Udp(s_a, s_b, 1000, (ushort)(2000 + i), new byte[i]);
                p.CopyTo(tx[i].Bytes, PacketBuffer.Headroom);
                tx[i].Length = p.Length;
            }

            Assert.Equal(3, a.Write(tx));
            PacketBuffer[] rx = Buffers(8);
            Assert.Equal(3, b.Read(rx, 100));
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(100, rx[i].Offset);
                Assert.Equal(tx[i].Packet.ToArray(), rx[i].Packet.ToArray());
            }
        }
    }

    [Fact]
    public void A_full_channel_drops_and_counts()
    {
        var (a, b) = ChannelTun.CreatePair(capacity: 2);
        using (a)
        using (b)
        {
            byte[] p = PacketBuilder.Udp(s_a, s_b, 1, 2, "x"u8);
            Assert.True(a.Inject(p));
            Assert.True(a.Inject(p));
            Assert.False(a.Inject(p));
            Assert.Equal(1, a.WriteDrops);
        }
    }

    [Fact]
    public void Dispose_unblocks_a_blocked_reader()
    {
        var (a, b) = ChannelTun.CreatePair();
        using (b)
        {
            int result = -1;
            var reader = new Thread(() => result = a.Read(Buffers(4), PacketBuffer.Headroom)) { IsBackground = true };
            reader.Start();
            Thread.Sleep(100);
            Assert.True(reader.IsAlive);
            a.Dispose();
            Assert.True(reader.Join(TimeSpan.FromSeconds(5)), "reader still blocked 5 s after Dispose");
            Assert.Equal(0, result);
        }
    }

    [Fact]
    public void Disposing_the_peer_ends_reads_after_draining()
    {
        var (a, b) = ChannelTun.CreatePair();
        using (b)
        {
            a.Inject(PacketBuilder.Udp(s_a, s_b, 1, 2, "x"u8));
            a.Dispose();
            PacketBuffer[] rx = Buffers(4);
            Assert.Equal(1, b.Read(rx, PacketBuffer.Headroom));
            Assert.Equal(0, b.Read(rx, PacketBuffer.Headroom));
        }
    }
}
