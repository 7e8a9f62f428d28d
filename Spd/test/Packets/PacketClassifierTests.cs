using System.Buffers.Binary;
using System.Net;
using CsCheck;
using IpsecFw.Spd.Packets;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Tests.Packets;

public sealed class PacketClassifierTests
{
    private static UInt128 A(string text) => IpAddressCodec.FromIPAddress(IPAddress.Parse(text));

    [Fact]
    public void IPv4_tcp_gives_addresses_ports_and_flags()
    {
        byte[] p = TestPackets.Tcp("198.19.0.1", "198.18.0.9", 40000, 443, 0x12, payload: 10);
        Assert.Equal(ClassifyStatus.Ok, PacketClassifier.Classify(p, out ClassifiedPacket c));
        Assert.Equal(new FlowKey(A("198.19.0.1"), A("198.18.0.9"), 6, 40000, 443), c.Flow);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, c.TcpFlags);
        Assert.Equal((false, 20, 50), (c.IsIPv6, c.TransportOffset, c.Length));
    }

    [Fact]
    public void IPv4_options_and_link_padding_are_respected()
    {
        byte[] l4 = TestPackets.TcpHeader(1, 2, 0x02);
        byte[] p = new byte[24 + l4.Length + 6]; // 4 bytes of options, 6 bytes of Ethernet padding
        TestPackets.Ip("198.19.0.1", "198.18.0.9", 6, l4).AsSpan(0, 20).CopyTo(p);
        p[0] = 0x46;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)(24 + l4.Length));
        l4.CopyTo(p, 24);
        Assert.Equal(ClassifyStatus.Ok, PacketClassifier.Classify(p, out ClassifiedPacket c));
        Assert.Equal((24, 44, (ushort)2), (c.TransportOffset, c.Length, c.Flow.DestinationPort));
    }

    [Fact]
    public void IPv6_extension_headers_are_walked_to_the_upper_layer()
    {
        byte[] p = TestPackets.Ip6WithExtensions("2001:2::1", "2001:2::9", [(0, 8), (43, 24), (51, 16), (60, 16)], 17,
            TestPackets.Udp("2001:2::1", "2001:2::9", 5353, 53).AsSpan(40).ToArray());
        Assert.Equal(ClassifyStatus.Ok, PacketClassifier.Classify(p, out ClassifiedPacket c));
        Assert.Equal(new FlowKey(A("2001:2::1"), A("2001:2::9"), 17, 5353, 53), c.Flow);
        Assert.Equal(40 + 8 + 24 + 16 + 16, c.TransportOffset);
        Assert.True(c.IsIPv6);
    }

    [Theory]
    [InlineData("198.19.0.1", "198.18.0.9", 8, 0x0707, 0x0707)]
    [InlineData("198.19.0.1", "198.18.0.9", 0, 0x0707, 0x0707)]
    [InlineData("198.19.0.1", "198.18.0.9", 3, 0, 0)]            // an ICMP error carries no identifier
    [InlineData("2001:2::1", "2001:2::9", 128, 0x0707, 0x0707)]
    [InlineData("2001:2::1", "2001:2::9", 129, 0x0707, 0x0707)]
    [InlineData("2001:2::1", "2001:2::9", 1, 0, 0)]
    public void Icmp_echo_identifier_goes_into_both_ports(string s, string d, byte type, ushort sourcePort, ushort destinationPort)
    {
        Assert.Equal(ClassifyStatus.Ok, PacketClassifier.Classify(TestPackets.Icmp(s, d, type, 0, 0x0707), out ClassifiedPacket c));
        Assert.Equal((type, sourcePort, destinationPort), (c.Flow.IcmpType, c.Flow.SourcePort, c.Flow.DestinationPort));
    }

    [Fact]
    public void Fragments_are_reported_as_fragments()
    {
        byte[] whole = TestPackets.Udp("198.19.0.1", "198.18.0.9", 1, 2, 100);
        Assert.Equal(ClassifyStatus.Fragment, PacketClassifier.Classify(TestPackets.Fragment4(whole, 0, 48, true), out ClassifiedPacket c));
        Assert.Equal((byte)17, c.Flow.Protocol);
        Assert.Equal(ClassifyStatus.Fragment, PacketClassifier.Classify(TestPackets.Fragment4(whole, 48, 60, false), out _));
        byte[] whole6 = TestPackets.Udp("2001:2::1", "2001:2::9", 1, 2, 100);
        Assert.Equal(ClassifyStatus.Fragment, PacketClassifier.Classify(TestPackets.Fragment6(whole6, 0, 48, true), out c));
        Assert.Equal(((byte)17, 48), (c.Flow.Protocol, c.TransportOffset));
    }

    public static TheoryData<string, ClassifyStatus> Malformed => new()
    {
        { "", ClassifyStatus.TruncatedIpHeader },
        { "45", ClassifyStatus.TruncatedIpHeader },
        { "5500000000000000000000000000000000000000", ClassifyStatus.UnknownVersion },
        { "4400001400000000400600000000000000000000", ClassifyStatus.BadHeaderLength },       // IHL 4
        { "4f00001400000000400600000000000000000000", ClassifyStatus.BadHeaderLength },       // IHL 15 > length
        { "4500001300000000400600000000000000000000", ClassifyStatus.BadTotalLength },        // total < header
        { "4500002800000000400600000000000000000000", ClassifyStatus.BadTotalLength },        // total > bytes
        { "450000180000000040060000000000000000000000000000", ClassifyStatus.TruncatedTransportHeader },
        { "4500001c00000000401100000000000000000000000000", ClassifyStatus.BadTotalLength },
        { "4500002800000000400600000000000000000000" + "0001000200000000000000004000000000000000", ClassifyStatus.BadTcpDataOffset },
        { "4500002800000000400600000000000000000000" + "00010002000000000000000060000000" + "00000000", ClassifyStatus.BadTcpDataOffset },
        { "60000000000006400000000000000000000000000000000000000000000000000000000000000000", ClassifyStatus.Jumbogram },
        { "600000000008" + "3c40" + "0000000000000000000000000000000000000000000000000000000000000000" + "0600000000000000", ClassifyStatus.TruncatedTransportHeader },
        { "600000000008" + "3c40" + "0000000000000000000000000000000000000000000000000000000000000000" + "0601000000000000", ClassifyStatus.TruncatedExtensionHeader },
        { "600000000010" + "3c40" + "0000000000000000000000000000000000000000000000000000000000000000" + "0000000000000000" + "0600000000000000", ClassifyStatus.HopByHopNotFirst },
        { "600000000004" + "2c40" + "0000000000000000000000000000000000000000000000000000000000000000" + "11000001", ClassifyStatus.TruncatedExtensionHeader },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_headers_have_their_own_reason(string hex, ClassifyStatus expected)
    {
        Assert.Equal(expected, PacketClassifier.Classify(Convert.FromHexString(hex), out _));
    }

    [Fact]
    public void Too_many_extension_headers_are_refused()
    {
        (byte, int)[] chain = [.. Enumerable.Repeat(((byte)60, 8), PacketClassifier.MaxExtensionHeaders + 1)];
        byte[] p = TestPackets.Ip6WithExtensions("2001:2::1", "2001:2::9", chain, 59, []);
        Assert.Equal(ClassifyStatus.TooManyExtensionHeaders, PacketClassifier.Classify(p, out _));
        byte[] fine = TestPackets.Ip6WithExtensions("2001:2::1", "2001:2::9", chain[..^1], 59, []);
        Assert.Equal(ClassifyStatus.Ok, PacketClassifier.Classify(fine, out ClassifiedPacket c));
        Assert.Equal((byte)59, c.Flow.Protocol);
    }

    [Fact]
    public void Every_truncation_of_valid_packets_is_refused_without_throwing()
    {
        byte[][] packets =
        [
            TestPackets.Tcp("198.19.0.1", "198.18.0.9", 1, 2, 0x02, 8),
            TestPackets.Udp("2001:2::1", "2001:2::9", 1, 2, 8),
            TestPackets.Icmp("198.19.0.1", "198.18.0.9", 8),
            TestPackets.Ip6WithExtensions("2001:2::1", "2001:2::9", [(0, 8), (51, 24)], 6, TestPackets.TcpHeader(1, 2, 0x02)),
        ];
        foreach (byte[] p in packets)
        {
            Assert.Equal(ClassifyStatus.Ok, PacketClassifier.Classify(p, out _));
            for (int length = 0; length < p.Length; length++)
            {
                Assert.NotEqual(ClassifyStatus.Ok, PacketClassifier.Classify(p.AsSpan(0, length), out _));
            }
        }
    }

    [Fact]
    public void Random_bytes_never_throw_and_ok_means_a_consistent_result()
    {
        Gen.Select(Gen.Byte.Array[0, 120], Gen.Int[0, 119], Gen.OneOf(Gen.Const((byte)0x45), Gen.Const((byte)0x60), Gen.Byte))
            .Sample((bytes, at, first) =>
            {
                if (bytes.Length > 0)
                {
                    bytes[0] = first;
                }

                if (bytes.Length > 3 && first == 0x45)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)(bytes.Length - (at % 4)));
                }

                ClassifyStatus status = PacketClassifier.Classify(bytes, out ClassifiedPacket c);
                if (status is ClassifyStatus.Ok or ClassifyStatus.Fragment)
                {
                    Assert.InRange(c.TransportOffset, 20, bytes.Length);
                    Assert.InRange(c.Length, c.TransportOffset, bytes.Length);
                }
            }, iter: 20_000);
    }

    [Fact]
    public void Classification_allocates_nothing()
    {
        byte[] p = TestPackets.Ip6WithExtensions("2001:2::1", "2001:2::9", [(0, 8)], 6, TestPackets.TcpHeader(1, 2, 0x02));
        NoAllocation.Assert(count =>
        {
            int ok = 0;
            for (int i = 0; i < count; i++)
            {
                ok += PacketClassifier.Classify(p, out _) == ClassifyStatus.Ok ? 1 : 0;
            }

            return ok;
        });
    }
}
