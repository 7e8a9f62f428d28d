using System.Buffers.Binary;
using IpsecFw.Tun.Offload;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Tun.Tests.Offload;

[Trait("Category", "Tun")]
public class GsoSplitterTests
{
    private const int Room = 2048;

    private static VirtioNetHeader TsoHeader(bool v6, int gsoSize, byte gsoFlags = 0) => new()
    {
        Flags = VirtioNetHeader.FlagNeedsChecksum,
        GsoType = (byte)((v6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4) | gsoFlags),
        HeaderLength = (ushort)((v6 ? 40 : 20) + 20),
        GsoSize = (ushort)gsoSize,
        ChecksumStart = (ushort)(v6 ? 40 : 20),
        ChecksumOffset = 16,
    };

    private static List<byte[]> SplitAll(GsoSplitter splitter)
    {
        var segments = new List<byte[]>();
        var dest = new byte[Room];
        int n;
        while ((n = splitter.Next(dest)) > 0)
        {
            segments.Add(dest[..n]);
        }

        return segments;
    }

    [Theory]
    [InlineData(false, 5000, 1360)]
    [InlineData(true, 5000, 1340)]
    [InlineData(false, 65000, 1360)]
    [InlineData(true, 65000 - 40, 1220)]
    [InlineData(false, 2720, 1360)] // an exact multiple: the last segment is full
    [InlineData(false, 100, 1360)]  // less than one segment
    public void A_tso_super_packet_splits_into_mss_segments_with_headers_and_checksums_an_independent_sum_accepts(bool v6, int payloadLength, int mss)
    {
        byte[] payload = TcpPackets.Payload(payloadLength);
        const uint FirstSeq = 0xFFFF_F000; // wraps inside the super-packet
        byte[] super = TcpPackets.SuperPacket(v6, FirstSeq, payload, extraFlags: PacketBuilderFlags.Psh | PacketBuilder.TcpFin | PacketBuilderFlags.Cwr);
        var splitter = new GsoSplitter();

        Assert.Equal(OffloadDrop.None, splitter.Load(super, 0, super.Length, TsoHeader(v6, mss, VirtioNetHeader.GsoEcn), Room));
        List<byte[]> segments = SplitAll(splitter);

        int expected = (payloadLength + mss - 1) / mss;
        Assert.Equal(expected, segments.Count);
        Assert.Equal(expected, splitter.Segments);
        int ip = v6 ? 40 : 20;
        var joined = new List<byte>();
        for (int i = 0; i < segments.Count; i++)
        {
            byte[] s = segments[i];
            int data = Math.Min(mss, payloadLength - (i * mss));
            Assert.Equal(ip + 20 + data, s.Length);
            if (v6)
            {
                Assert.Equal(s.Length - 40, BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(4)));
            }
            else
            {
                Assert.Equal(s.Length, BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(2)));
                Assert.Equal((ushort)(0x1234 + i), BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(4)));
                Assert.True(ReferenceChecksum.Ipv4HeaderValid(s), $"IPv4 header checksum of segment {i}");
            }

            Assert.True(ReferenceChecksum.TcpValid(s), $"TCP checksum of segment {i}");
            Assert.Equal(unchecked(FirstSeq + (uint)(i * mss)), BinaryPrimitives.ReadUInt32BigEndian(s.AsSpan(ip + 4)));
            byte flags = s[ip + 13];
            bool last = i == segments.Count - 1;
            Assert.Equal(last, (flags & PacketBuilderFlags.Psh) != 0);
            Assert.Equal(last, (flags & PacketBuilder.TcpFin) != 0);
            Assert.Equal(i == 0, (flags & PacketBuilderFlags.Cwr) != 0);
            Assert.True((flags & PacketBuilder.TcpAck) != 0);
            joined.AddRange(s.AsSpan(ip + 20).ToArray());
        }

        Assert.Equal(payload, joined.ToArray());
        Assert.False(splitter.HasPending);
        Assert.Equal(0, splitter.Next(new byte[Room]));
    }

    [Fact]
    public void Segments_keep_addresses_ports_ack_and_window_of_the_super_packet()
    {
        byte[] super = TcpPackets.SuperPacket(false, 1, TcpPackets.Payload(3000));
        var splitter = new GsoSplitter();
        Assert.Equal(OffloadDrop.None, splitter.Load(super, 0, super.Length, TsoHeader(false, 1000), Room));
        foreach (byte[] s in SplitAll(splitter))
        {
            Assert.Equal(super.AsSpan(12, 8).ToArray(), s.AsSpan(12, 8).ToArray());   // addresses
            Assert.Equal(super.AsSpan(20, 4).ToArray(), s.AsSpan(20, 4).ToArray());   // ports
            Assert.Equal(super.AsSpan(28, 4).ToArray(), s.AsSpan(28, 4).ToArray());   // ack
            Assert.Equal(super.AsSpan(34, 2).ToArray(), s.AsSpan(34, 2).ToArray());   // window
            Assert.Equal(super[8], s[8]);                                             // TTL
        }
    }

    [Fact]
    public void A_super_packet_is_split_across_calls_when_the_caller_takes_segments_a_few_at_a_time()
    {
        byte[] payload = TcpPackets.Payload(10_000);
        byte[] super = TcpPackets.SuperPacket(false, 77, payload);
        var splitter = new GsoSplitter();
        Assert.Equal(OffloadDrop.None, splitter.Load(super, 0, super.Length, TsoHeader(false, 1000), Room));
        var dest = new byte[Room];
        for (int i = 0; i < 3; i++)
        {
            Assert.True(splitter.Next(dest) > 0);
        }

        Assert.True(splitter.HasPending);
        Assert.Equal(7, SplitAll(splitter).Count);
    }

    [Theory]
    [InlineData(false, 17, 6)]  // UDP: checksum field at 6
    [InlineData(true, 17, 6)]
    [InlineData(false, 6, 16)]  // TCP without GSO
    public void A_plain_packet_with_a_partial_checksum_is_completed(bool v6, byte protocol, int checksumOffset)
    {
        byte[] packet = protocol == 17
            ? PacketBuilder.Udp(v6 ? TcpPackets.Source6 : TcpPackets.Source4, v6 ? TcpPackets.Destination6 : TcpPackets.Destination4, 1, 2, TcpPackets.Payload(301))
            : TcpPackets.Segment(v6, 9, TcpPackets.Payload(301));
        byte[] expected = (byte[])packet.Clone();
        int l4 = v6 ? 40 : 20;
        // The kernel's CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum.
        int length = packet.Length - l4;
        long pseudo = (v6 ? ReferenceChecksum.Sum(packet.AsSpan(8, 32)) : ReferenceChecksum.Sum(packet.AsSpan(12, 8))) + protocol + length;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(l4 + checksumOffset), (ushort)ReferenceChecksum.Fold(pseudo));
        var header = new VirtioNetHeader { Flags = VirtioNetHeader.FlagNeedsChecksum, ChecksumStart = (ushort)l4, ChecksumOffset = (ushort)checksumOffset };
        var splitter = new GsoSplitter();

        Assert.Equal(OffloadDrop.None, splitter.Load(packet, 0, packet.Length, header, Room));
        List<byte[]> got = SplitAll(splitter);

        Assert.Single(got);
        Assert.Equal(expected, got[0]);
        Assert.True(PacketBuilder.ChecksumsValid(got[0]));
    }

    [Fact]
    public void A_plain_packet_without_flags_is_passed_as_it_is()
    {
        byte[] packet = PacketBuilder.Udp(TcpPackets.Source4, TcpPackets.Destination4, 1, 2, "x"u8);
        var splitter = new GsoSplitter();
        Assert.Equal(OffloadDrop.None, splitter.Load(packet, 0, packet.Length, default, Room));
        Assert.Equal(packet, Assert.Single(SplitAll(splitter)));
        Assert.Equal(0, splitter.SuperPackets);
    }

    public static TheoryData<string, OffloadDrop> HostileCases() => new()
    {
        { "gso_size 0", OffloadDrop.ZeroGsoSize },
        { "UDP GSO", OffloadDrop.UnsupportedGsoType },
        { "UDP_L4 GSO", OffloadDrop.UnsupportedGsoType },
        { "unknown GSO type", OffloadDrop.UnsupportedGsoType },
        { "hdr_len beyond the packet", OffloadDrop.BadHeaderLength },
        { "TCPV6 on an IPv4 packet", OffloadDrop.BadIpHeader },
        { "TCPV4 on a UDP packet", OffloadDrop.BadIpHeader },
        { "TCPV4 on a fragment", OffloadDrop.BadIpHeader },
        { "IHL 4", OffloadDrop.BadIpHeader },
        { "csum_start not at TCP", OffloadDrop.BadChecksumOffset },
        { "csum_offset not 16", OffloadDrop.BadChecksumOffset },
        { "plain csum_start beyond the packet", OffloadDrop.BadChecksumOffset },
        { "plain csum_offset beyond the packet", OffloadDrop.BadChecksumOffset },
        { "TCP data offset 4", OffloadDrop.Truncated },
        { "TCP data offset beyond the packet", OffloadDrop.Truncated },
        { "segment larger than the buffer", OffloadDrop.TooLarge },
        { "plain packet larger than the buffer", OffloadDrop.TooLarge },
        { "10 bytes of IPv4", OffloadDrop.Truncated },
        { "an empty read", OffloadDrop.Truncated },
    };

    [Theory]
    [MemberData(nameof(HostileCases))]
    public void Hostile_or_odd_headers_are_dropped_with_a_reason_never_an_exception(string name, OffloadDrop reason)
    {
        byte[] packet = TcpPackets.SuperPacket(false, 1, TcpPackets.Payload(4000));
        VirtioNetHeader h = TsoHeader(false, 1000);
        int length = packet.Length;
        switch (name)
        {
            case "gso_size 0": h.GsoSize = 0; break;
            case "UDP GSO": h.GsoType = 3; break;
            case "UDP_L4 GSO": h.GsoType = 5; break;
            case "unknown GSO type": h.GsoType = 9; break;
            case "hdr_len beyond the packet": h.HeaderLength = (ushort)(packet.Length + 1); break;
            case "TCPV6 on an IPv4 packet": h.GsoType = VirtioNetHeader.GsoTcpV6; break;
            case "TCPV4 on a UDP packet": packet[9] = 17; break;
            case "TCPV4 on a fragment": packet[6] = 0x20; break;
            case "IHL 4": packet[0] = 0x44; break;
            case "csum_start not at TCP": h.ChecksumStart = 24; break;
            case "csum_offset not 16": h.ChecksumOffset = 6; break;
            case "plain csum_start beyond the packet": h = new VirtioNetHeader { Flags = 1, ChecksumStart = 1000 }; length = 1000; break;
            case "plain csum_offset beyond the packet": h = new VirtioNetHeader { Flags = 1, ChecksumStart = 20, ChecksumOffset = 1000 - 21 }; length = 1000; break;
            case "an empty read": h = default; length = 0; break;
            case "TCP data offset 4": packet[32] = 0x40; break;
            case "TCP data offset beyond the packet": packet[32] = 0xF0; length = 60; break;
            case "segment larger than the buffer": h.GsoSize = 3000; break;
            case "plain packet larger than the buffer": h = default; break;
            case "10 bytes of IPv4": length = 10; h.HeaderLength = 0; break;
            default: throw new ArgumentException(name);
        }

        var splitter = new GsoSplitter();
        Assert.Equal(reason, splitter.Load(packet, 0, length, h, Room));
        Assert.False(splitter.HasPending);
        Assert.Equal(0, splitter.Next(new byte[Room]));
    }

    [Fact]
    public void Random_headers_and_bytes_never_throw_and_every_segment_fits_the_room()
    {
        var random = new Random(5);
        var splitter = new GsoSplitter();
        var dest = new byte[Room];
        var header = new byte[VirtioNetHeader.Size];
        for (int i = 0; i < 20_000; i++)
        {
            byte[] packet = i % 2 == 0
                ? TcpPackets.SuperPacket(i % 4 == 0, (uint)random.Next(), TcpPackets.Payload(random.Next(0, 9000), i))
                : TcpPackets.Payload(random.Next(0, 9000), i);
            // Flip a few bytes of a good packet, and draw the header at random (biased towards TCP GSO).
            for (int f = random.Next(0, 4); f > 0 && packet.Length > 0; f--)
            {
                packet[random.Next(Math.Min(packet.Length, 80))] = (byte)random.Next(256);
            }

            random.NextBytes(header);
            VirtioNetHeader h = VirtioNetHeader.Read(header);
            if (random.Next(2) == 0)
            {
                h.GsoType = (byte)(random.Next(2) == 0 ? VirtioNetHeader.GsoTcpV4 : VirtioNetHeader.GsoTcpV6);
                h.GsoSize = (ushort)random.Next(0, 2000);
                h.ChecksumStart = (ushort)(packet.Length > 0 && packet[0] >> 4 == 6 ? 40 : 20);
                h.ChecksumOffset = 16;
                h.HeaderLength = (ushort)random.Next(0, 100);
            }

            int room = random.Next(64, Room + 1);
            OffloadDrop drop = splitter.Load(packet, 0, packet.Length, h, room);
            int count = 0;
            int n;
            while ((n = splitter.Next(dest)) > 0)
            {
                Assert.True(n <= room);
                Assert.True(++count <= 70_000);
            }

            if (drop != OffloadDrop.None)
            {
                Assert.Equal(0, count); // a refused packet yields nothing
            }
            else
            {
                Assert.True(count >= 1);
            }
        }
    }
}

/// <summary>TCP flags PacketBuilder does not name.</summary>
internal static class PacketBuilderFlags
{
    public const byte Psh = 0x08;
    public const byte Cwr = 0x80;
}
