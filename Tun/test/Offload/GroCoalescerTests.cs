using System.Buffers.Binary;
using IpsecFw.Esp.Buffers;
using IpsecFw.Tun.Offload;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Tun.Tests.Offload;

[Trait("Category", "Tun")]
public class GroCoalescerTests
{
    /// <summary>Records every frame, as the TUN would receive it.</summary>
    private sealed class RecordingWriter(bool accept = true) : IFrameWriter
    {
        public List<(VirtioNetHeader Header, byte[] Packet)> Frames { get; } = [];

        public bool WriteFrame(in VirtioNetHeader header, ReadOnlySpan<byte> packet)
        {
            Frames.Add((header, packet.ToArray()));
            return accept;
        }
    }

    private static PacketBuffer[] Buffers(params byte[][] packets)
    {
        var bufs = new PacketBuffer[packets.Length];
        for (int i = 0; i < packets.Length; i++)
        {
            bufs[i] = new PacketBuffer(2048) { Offset = PacketBuffer.Headroom - 7, Length = packets[i].Length };
            packets[i].CopyTo(bufs[i].Bytes, bufs[i].Offset);
        }

        return bufs;
    }

    /// <summary>Consecutive in-order segments of one flow, 1,000 bytes each, IDs counting up, PSH on the last.</summary>
    private static byte[][] Flow(bool v6, int count, uint firstSeq = 0xFFFF_FC00, int size = 1000)
    {
        var packets = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            packets[i] = TcpPackets.Segment(v6, unchecked(firstSeq + (uint)(i * size)), TcpPackets.Payload(size, i),
                extraFlags: i == count - 1 ? PacketBuilderFlags.Psh : (byte)0, id: (ushort)(0x1234 + i));
        }

        return packets;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void In_order_segments_of_one_flow_become_one_gso_frame_that_splits_back_into_the_same_segments(bool v6)
    {
        byte[][] segments = Flow(v6, 10);
        var writer = new RecordingWriter();
        var gro = new GroCoalescer();

        Assert.Equal(10, gro.Write(Buffers(segments), writer));

        (VirtioNetHeader h, byte[] super) = Assert.Single(writer.Frames);
        int ip = v6 ? 40 : 20;
        Assert.Equal(VirtioNetHeader.FlagNeedsChecksum, h.Flags);
        Assert.Equal(v6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4, h.GsoType);
        Assert.Equal(1000, h.GsoSize);
        Assert.Equal(ip + 20, h.HeaderLength);
        Assert.Equal(ip, h.ChecksumStart);
        Assert.Equal(16, h.ChecksumOffset);
        Assert.Equal(ip + 20 + 10_000, super.Length);
        if (v6)
        {
            Assert.Equal(super.Length - 40, BinaryPrimitives.ReadUInt16BigEndian(super.AsSpan(4)));
        }
        else
        {
            Assert.Equal(super.Length, BinaryPrimitives.ReadUInt16BigEndian(super.AsSpan(2)));
            Assert.True(ReferenceChecksum.Ipv4HeaderValid(super));
        }

        // CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum, computed here independently.
        Assert.Equal(ReferenceChecksum.Fold(ReferenceChecksum.PseudoHeader(super, super.Length - ip)), BinaryPrimitives.ReadUInt16BigEndian(super.AsSpan(ip + 16)));
        Assert.Equal(PacketBuilderFlags.Psh | PacketBuilder.TcpAck, super[ip + 13]);
        Assert.Equal(1, gro.SuperPackets);
        Assert.Equal(10, gro.Coalesced);

        // What the kernel would do with it (TSO on a NIC) gives back exactly the segments we merged.
        var splitter = new GsoSplitter();
        Assert.Equal(OffloadDrop.None, splitter.Load(super, 0, super.Length, h, 2048));
        var dest = new byte[2048];
        for (int i = 0; i < segments.Length; i++)
        {
            int n = splitter.Next(dest);
            Assert.Equal(segments[i], dest[..n]);
        }

        Assert.False(splitter.HasPending);
    }

    [Fact]
    public void Order_is_kept_other_flows_and_non_candidates_break_the_run()
    {
        byte[][] a = Flow(false, 6);
        byte[] other = PacketBuilder.Tcp(TcpPackets.Source4, TcpPackets.Destination4, 40001, 5201, PacketBuilder.TcpAck, TcpPackets.Payload(1000), 7, 5000);
        byte[] syn = PacketBuilder.Tcp(TcpPackets.Source4, TcpPackets.Destination4, 40002, 5201, PacketBuilder.TcpSyn);
        byte[] pureAck = TcpPackets.Segment(false, 3, []);
        byte[] udp = PacketBuilder.Udp(TcpPackets.Source4, TcpPackets.Destination4, 1, 2, TcpPackets.Payload(1000));
        var writer = new RecordingWriter();

        int n = new GroCoalescer().Write(Buffers(a[0], a[1], other, a[2], syn, a[3], a[4], pureAck, udp, a[5]), writer);

        Assert.Equal(10, n);
        byte[][] expected = [Concat(a[0], a[1]), other, a[2], syn, Concat(a[3], a[4]), pureAck, udp, a[5]];
        Assert.Equal(expected.Length, writer.Frames.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            byte[] got = writer.Frames[i].Packet;
            Assert.Equal(expected[i].Length, got.Length);
            Assert.Equal(expected[i].AsSpan(40).ToArray(), got.AsSpan(40).ToArray()); // the data, in order
            Assert.Equal(expected[i].Length > 1100 ? VirtioNetHeader.GsoTcpV4 : VirtioNetHeader.GsoNone, writer.Frames[i].Header.GsoType);
        }

        // Lone packets go out untouched, behind an all-zero header.
        Assert.Equal(syn, writer.Frames[3].Packet);
        Assert.Equal(default, writer.Frames[3].Header);
    }

    private static byte[] Concat(byte[] first, byte[] second) => [.. first, .. second.AsSpan(40).ToArray()];

    [Fact]
    public void A_segment_with_a_bad_checksum_is_never_merged()
    {
        byte[][] a = Flow(false, 3);
        a[1][60] ^= 0xFF;
        var writer = new RecordingWriter();
        Assert.Equal(3, new GroCoalescer().Write(Buffers(a), writer));
        Assert.Equal(3, writer.Frames.Count);
        Assert.All(writer.Frames, f => Assert.Equal(VirtioNetHeader.GsoNone, f.Header.GsoType));
        Assert.Equal(a[1], writer.Frames[1].Packet);

        byte[][] b = Flow(false, 3);
        b[0][60] ^= 0xFF;
        writer = new RecordingWriter();
        Assert.Equal(3, new GroCoalescer().Write(Buffers(b), writer));
        Assert.Equal(2, writer.Frames.Count);
        Assert.Equal(b[0], writer.Frames[0].Packet);
        Assert.Equal(VirtioNetHeader.GsoTcpV4, writer.Frames[1].Header.GsoType);
    }

    public static TheoryData<string> NotMergedCases() => ["gap", "other ack", "larger after smaller", "after psh", "other ttl", "other options length", "fragment", "ipv4 options"];

    [Theory]
    [MemberData(nameof(NotMergedCases))]
    public void Segments_that_the_kernel_would_not_merge_stay_apart(string name)
    {
        byte[] first = TcpPackets.Segment(false, 100, TcpPackets.Payload(1000));
        byte[] second = TcpPackets.Segment(false, 1100, TcpPackets.Payload(1000, 2));
        switch (name)
        {
            case "gap": second = TcpPackets.Segment(false, 1101, TcpPackets.Payload(1000)); break;
            case "other ack": second = TcpPackets.Segment(false, 1100, TcpPackets.Payload(1000), ack: 1); break;
            case "larger after smaller": first = TcpPackets.Segment(false, 600, TcpPackets.Payload(500)); break;
            case "after psh": first = TcpPackets.Segment(false, 100, TcpPackets.Payload(1000), extraFlags: PacketBuilderFlags.Psh); break;
            case "other ttl": second[8] = 1; FixIpv4(second); break;
            case "other options length":
                second = WithOptions(second);
                break;
            case "fragment": second[6] = 0x20; FixIpv4(second); break;
            case "ipv4 options": first = WithIpOptions(first); break;
            default: throw new ArgumentException(name);
        }

        var writer = new RecordingWriter();
        Assert.Equal(2, new GroCoalescer().Write(Buffers(first, second), writer));
        Assert.Equal(2, writer.Frames.Count);
        Assert.Equal(first, writer.Frames[0].Packet);
        Assert.Equal(second, writer.Frames[1].Packet);
    }

    private static void FixIpv4(byte[] p)
    {
        p[10] = 0;
        p[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), (ushort)~ReferenceChecksum.Fold(ReferenceChecksum.Sum(p.AsSpan(0, 20))));
    }

    /// <summary>The same segment with 4 bytes of TCP options (NOPs), checksums redone.</summary>
    private static byte[] WithOptions(byte[] p)
    {
        byte[] q = [.. p.AsSpan(0, 40), 1, 1, 1, 1, .. p.AsSpan(40)];
        q[32] = 6 << 4;
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(2), (ushort)q.Length);
        FixIpv4(q);
        FixTcp(q, 20);
        return q;
    }

    /// <summary>The same segment with a 4-byte IPv4 option (NOPs and an end of list).</summary>
    private static byte[] WithIpOptions(byte[] p)
    {
        byte[] q = [.. p.AsSpan(0, 20), 1, 1, 1, 0, .. p.AsSpan(20)];
        q[0] = 0x46;
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(2), (ushort)q.Length);
        q[10] = 0;
        q[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(10), (ushort)~ReferenceChecksum.Fold(ReferenceChecksum.Sum(q.AsSpan(0, 24))));
        FixTcp(q, 24);
        return q;
    }

    private static void FixTcp(byte[] q, int ip)
    {
        q[ip + 16] = 0;
        q[ip + 17] = 0;
        long pseudo = ReferenceChecksum.Sum(q.AsSpan(12, 8)) + 6 + (q.Length - ip);
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(ip + 16), (ushort)~ReferenceChecksum.Fold(pseudo + ReferenceChecksum.Sum(q.AsSpan(ip))));
    }

    [Fact]
    public void A_long_run_is_cut_so_that_no_super_packet_exceeds_64_kb()
    {
        byte[][] segments = Flow(false, 150, firstSeq: 1);
        var writer = new RecordingWriter();
        Assert.Equal(150, new GroCoalescer().Write(Buffers(segments), writer));
        Assert.All(writer.Frames, f => Assert.True(f.Packet.Length <= 65535));
        Assert.Equal(150 * 1000, writer.Frames.Sum(f => f.Packet.Length - 40));
        Assert.Equal(3, writer.Frames.Count); // 65 + 65 + 20 segments of 1,000 bytes
    }

    [Fact]
    public void Refused_frames_count_as_not_written()
    {
        Assert.Equal(0, new GroCoalescer().Write(Buffers(Flow(false, 4)), new RecordingWriter(accept: false)));
    }

    [Fact]
    public void Splitting_and_merging_allocate_nothing_once_warm()
    {
        PacketBuffer[] bufs = Buffers(Flow(false, 32));
        byte[] super = TcpPackets.SuperPacket(false, 1, TcpPackets.Payload(60_000));
        var header = new VirtioNetHeader { Flags = 1, GsoType = VirtioNetHeader.GsoTcpV4, HeaderLength = 40, GsoSize = 1360, ChecksumStart = 20, ChecksumOffset = 16 };
        var gro = new GroCoalescer();
        var splitter = new GsoSplitter();
        var sink = new CountingWriter();
        var dest = new byte[2048];
        void Round()
        {
            gro.Write(bufs, sink);
            splitter.Load(super, 0, super.Length, header, 2048);
            while (splitter.Next(dest) > 0)
            {
            }
        }

        Round();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            Round();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(201, gro.SuperPackets);
    }

    private sealed class CountingWriter : IFrameWriter
    {
        public bool WriteFrame(in VirtioNetHeader header, ReadOnlySpan<byte> packet) => true;
    }
}
