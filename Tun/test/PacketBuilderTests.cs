using System.Buffers.Binary;
using System.Net;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Tun.Tests;

[Trait("Category", "Tun")]
public class PacketBuilderTests
{
    private static readonly IPAddress s_a4 = IPAddress.Parse("198.18.5.1");
    private static readonly IPAddress s_b4 = IPAddress.Parse("198.18.5.2");
    private static readonly IPAddress s_a6 = IPAddress.Parse("2001:2::1");
    private static readonly IPAddress s_b6 = IPAddress.Parse("2001:2::2");

    [Fact]
    public void Udp4_matches_a_hand_checked_packet()
    {
        byte[] p = PacketBuilder.Udp(s_a4, s_b4, 1000, 2000, "hi"u8);
        Assert.Equal(30, p.Length);
        Assert.Equal(0x45, p[0]);
        Assert.Equal(30, BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(2)));
        Assert.Equal(17, p[9]);
        // IPv4 header checksum computed by hand: 4500 001e 0000 4000 4011 0000 c612 0501 c612 0502.
        Assert.Equal(0xa4a7, BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(10)));
        Assert.Equal(10, BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(24)));
        Assert.True(PacketBuilder.ChecksumsValid(p));
        Assert.True(PacketBuilder.TryGetUdp(p, out ushort sp, out ushort dp, out Range payload));
        Assert.Equal((1000, 2000), (sp, dp));
        Assert.Equal("hi"u8.ToArray(), p[payload]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Udp_checksums_are_valid_and_detect_a_flipped_bit(bool v6)
    {
        byte[] p = PacketBuilder.Udp(v6 ? s_a6 : s_a4, v6 ? s_b6 : s_b4, 5353, 9, new byte[37]);
        Assert.True(PacketBuilder.ChecksumsValid(p));
        p[^1] ^= 0x40;
        Assert.False(PacketBuilder.ChecksumsValid(p));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Echo_request_becomes_a_valid_reply_in_place(bool v6)
    {
        IPAddress a = v6 ? s_a6 : s_a4, b = v6 ? s_b6 : s_b4;
        byte[] p = PacketBuilder.EchoRequest(a, b, 7, 9, "ping"u8);
        Assert.True(PacketBuilder.ChecksumsValid(p));
        Assert.True(PacketBuilder.IsEchoRequest(p));
        Assert.True(PacketBuilder.TryMakeEchoReply(p));
        Assert.True(PacketBuilder.IsEchoReply(p));
        Assert.False(PacketBuilder.IsEchoRequest(p));
        Assert.True(PacketBuilder.ChecksumsValid(p));
        int src = v6 ? 8 : 12, len = v6 ? 16 : 4;
        Assert.Equal(b.GetAddressBytes(), p.AsSpan(src, len).ToArray());
        Assert.Equal(a.GetAddressBytes(), p.AsSpan(src + len, len).ToArray());
        Assert.False(PacketBuilder.TryMakeEchoReply(p)); // a reply is not turned again
    }

    [Fact]
    public void Udp_with_a_zero_sum_sends_ffff()
    {
        // RFC 768: a computed checksum of 0 is sent as all ones. Search payloads until one sums to zero.
        var payload = new byte[2];
        for (int v = 0; v <= 0xFFFF; v++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)v);
            byte[] p = PacketBuilder.Udp(s_a4, s_b4, 1, 2, payload);
            if (BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(26)) == 0xFFFF)
            {
                Assert.True(PacketBuilder.ChecksumsValid(p));
                return;
            }
        }

        Assert.Fail("no payload gave a zero checksum");
    }

    [Fact]
    public void Not_ip_is_rejected()
    {
        Assert.False(PacketBuilder.ChecksumsValid(new byte[10]));
        Assert.False(PacketBuilder.TryGetUdp(new byte[40], out _, out _, out _));
        Assert.False(PacketBuilder.TryMakeEchoReply(new byte[3]));
    }
}
