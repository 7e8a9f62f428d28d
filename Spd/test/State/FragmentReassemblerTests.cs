using System.Buffers.Binary;
using IpsecFw.Spd.Packets;
using IpsecFw.Spd.State;
using IpsecFw.Spd.Tests.Packets;

namespace IpsecFw.Spd.Tests.State;

public sealed class FragmentReassemblerTests
{
    private static readonly byte[] s_udp4 = TestPackets.Udp("198.19.0.1", "198.18.0.9", 5000, 53, payload: 100);   // 108 bytes of UDP
    private static readonly byte[] s_tcp6 = TestPackets.Tcp("2001:2::1", "2001:2::9", 40000, 25, 0x18, payload: 100); // 120 bytes of TCP

    private static ReassemblyStatus Submit(FragmentReassembler r, byte[] packet, long now, out byte[] datagram, out FragmentDropReason reason)
    {
        ReassemblyStatus status = r.Submit(packet, now, out ReadOnlySpan<byte> whole, out reason);
        datagram = whole.ToArray();
        return status;
    }

    private static void AssertSameIPv4(byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(expected.AsSpan(20).ToArray(), actual.AsSpan(20).ToArray());
        Assert.Equal(expected.AsSpan(0, 10).ToArray(), actual.AsSpan(0, 10).ToArray());
        Assert.Equal(0, FragmentReassembler.HeaderChecksum(actual.AsSpan(0, 20))); // a valid header checksum
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2 })]
    [InlineData(new[] { 2, 0, 1 })]
    [InlineData(new[] { 1, 2, 0 })]
    [InlineData(new[] { 2, 1, 0 })]
    public void IPv4_reassembles_in_any_order(int[] order)
    {
        var r = new FragmentReassembler();
        byte[][] fragments =
        [
            TestPackets.Fragment4(s_udp4, 0, 48, more: true),
            TestPackets.Fragment4(s_udp4, 48, 48, more: true),
            TestPackets.Fragment4(s_udp4, 96, 12, more: false),
        ];
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(ReassemblyStatus.Held, Submit(r, fragments[order[i]], i, out _, out _));
        }

        Assert.Equal(ReassemblyStatus.Complete, Submit(r, fragments[order[2]], 2, out byte[] whole, out _));
        AssertSameIPv4(s_udp4, whole);
        Assert.Equal(ClassifyStatus.Ok, PacketClassifier.Classify(whole, out ClassifiedPacket c));
        Assert.Equal((5000, 53), (c.Flow.SourcePort, c.Flow.DestinationPort));
        Assert.Equal(0, r.HeldBytes);
        Assert.Equal(0, r.Pending);
    }

    [Fact]
    public void IPv6_reassembles_and_the_fragment_header_is_gone()
    {
        var r = new FragmentReassembler();
        Assert.Equal(ReassemblyStatus.Held, Submit(r, TestPackets.Fragment6(s_tcp6, 64, 56, more: false), 0, out _, out _));
        Assert.Equal(ReassemblyStatus.Held, Submit(r, TestPackets.Fragment6(s_tcp6, 32, 32, more: true), 1, out _, out _));
        Assert.Equal(ReassemblyStatus.Complete, Submit(r, TestPackets.Fragment6(s_tcp6, 0, 32, more: true), 2, out byte[] whole, out _));
        Assert.Equal(s_tcp6, whole);
        Assert.Equal(ClassifyStatus.Ok, PacketClassifier.Classify(whole, out ClassifiedPacket c));
        Assert.Equal((40000, 25, (byte)6), (c.Flow.SourcePort, c.Flow.DestinationPort, c.Flow.Protocol));
    }

    [Fact]
    public void An_IPv6_atomic_fragment_is_reassembled_on_its_own()
    {
        var r = new FragmentReassembler();
        Assert.Equal(ReassemblyStatus.Held, Submit(r, TestPackets.Fragment6(s_tcp6, 0, 32, more: true, id: 9), 0, out _, out _));
        Assert.Equal(ReassemblyStatus.Complete, Submit(r, TestPackets.Fragment6(s_tcp6, 0, 120, more: false, id: 9), 1, out byte[] whole, out _));
        Assert.Equal(s_tcp6, whole);
        Assert.Equal(1, r.Pending); // the other datagram with the same id is untouched (RFC 6946)
    }

    [Fact]
    public void Exact_duplicates_are_dropped_alone_and_the_datagram_completes()
    {
        var r = new FragmentReassembler();
        byte[] first = TestPackets.Fragment4(s_udp4, 0, 56, more: true);
        Submit(r, first, 0, out _, out _);
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, first, 1, out _, out FragmentDropReason reason));
        Assert.Equal(FragmentDropReason.Duplicate, reason);
        Assert.Equal(ReassemblyStatus.Complete, Submit(r, TestPackets.Fragment4(s_udp4, 56, 52, more: false), 2, out byte[] whole, out _));
        AssertSameIPv4(s_udp4, whole);
        Assert.Equal(1, r.Drops(FragmentDropReason.Duplicate));
    }

    public static TheoryData<bool, int, int, bool> Overlaps => new()
    {
        // IPv6?, start, length, more: the second fragment overlaps the first ([0, 48) held)
        { false, 40, 16, true },     // overlaps the tail
        { false, 0, 56, true },      // same start, longer
        { false, 8, 8, true },       // inside (the RFC 1858 overwrite); also tiny for TCP, here UDP
        { true, 40, 16, true },
        { true, 0, 64, true },
        { true, 24, 80, false },
    };

    [Theory]
    [MemberData(nameof(Overlaps))]
    public void An_overlap_drops_the_whole_datagram_and_its_later_fragments(bool v6, int start, int length, bool more)
    {
        var r = new FragmentReassembler();
        byte[] F(int s, int l, bool m) => v6 ? TestPackets.Fragment6(s_tcp6, s, l, m) : TestPackets.Fragment4(s_udp4, s, l, m);
        Assert.Equal(ReassemblyStatus.Held, Submit(r, F(0, 48, true), 0, out _, out _));
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, F(start, length, more), 1, out _, out FragmentDropReason reason));
        Assert.Equal(FragmentDropReason.Overlap, reason);
        Assert.Equal(0, r.HeldBytes);

        // The rest of the datagram, even the exact missing pieces, never completes it.
        int total = v6 ? 120 : 108;
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, F(0, 48, true), 2, out _, out reason));
        Assert.Equal(FragmentDropReason.Poisoned, reason);
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, F(48, total - 48, false), 3, out _, out reason));
        Assert.Equal(FragmentDropReason.Poisoned, reason);
        Assert.Equal(1, r.Drops(FragmentDropReason.Overlap));
    }

    [Fact]
    public void Same_bounds_different_bytes_is_an_overlap()
    {
        var r = new FragmentReassembler();
        byte[] first = TestPackets.Fragment4(s_udp4, 0, 48, more: true);
        byte[] forged = (byte[])first.Clone();
        forged[^1] ^= 0xFF;
        Submit(r, first, 0, out _, out _);
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, forged, 1, out _, out FragmentDropReason reason));
        Assert.Equal(FragmentDropReason.Overlap, reason);
    }

    [Fact]
    public void Inconsistent_ends_drop_the_datagram()
    {
        var r = new FragmentReassembler();
        Submit(r, TestPackets.Fragment4(s_udp4, 0, 96, more: true), 0, out _, out _);
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, TestPackets.Fragment4(s_udp4, 56, 8, more: false), 1, out _, out FragmentDropReason reason));
        Assert.Equal(FragmentDropReason.Overlap, reason); // it also overlaps
        var r2 = new FragmentReassembler();
        Submit(r2, TestPackets.Fragment4(s_udp4, 48, 8, more: false), 0, out _, out _);          // says the end is 56
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r2, TestPackets.Fragment4(s_udp4, 56, 8, more: true), 1, out _, out reason));
        Assert.Equal(FragmentDropReason.InconsistentLength, reason);
    }

    [Fact]
    public void Tiny_fragments_are_dropped()
    {
        byte[] tcp4 = TestPackets.Tcp("198.19.0.1", "198.18.0.9", 40000, 22, 0x02, payload: 40);
        var r = new FragmentReassembler();
        // A first fragment with 16 of the 20 bytes of the TCP header (RFC 1858 3.3).
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, TestPackets.Fragment4(tcp4, 0, 16, more: true), 0, out _, out FragmentDropReason reason));
        Assert.Equal(FragmentDropReason.TinyFragment, reason);
        // A later fragment at offset 8 (FO=1) would rewrite the TCP flags (RFC 1858 3.4).
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, TestPackets.Fragment4(tcp4, 8, 16, more: true), 0, out _, out reason));
        Assert.Equal(FragmentDropReason.TinyFragment, reason);
        // IPv6: the same, and a first fragment that cuts the extension header chain (RFC 7112).
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, TestPackets.Fragment6(s_tcp6, 0, 16, more: true), 0, out _, out reason));
        Assert.Equal(FragmentDropReason.TinyFragment, reason);
        byte[] withOptions = TestPackets.Ip6WithExtensions("2001:2::1", "2001:2::9", [(60, 24)], 6, TestPackets.TcpHeader(40000, 25, 0x02, 40));
        byte[] chainCut = TestPackets.Fragment6(withOptions, 0, 16, more: true); // the options header's 16 of 24 bytes
        chainCut[6] = 44;
        chainCut[40] = 60;
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, chainCut, 0, out _, out reason));
        Assert.Equal(FragmentDropReason.TinyFragment, reason);
        Assert.Equal(4, r.Drops(FragmentDropReason.TinyFragment));
    }

    [Fact]
    public void Malformed_and_oversized_fragments_are_dropped()
    {
        var r = new FragmentReassembler();
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, TestPackets.Fragment4(s_udp4, 0, 20, more: true), 0, out _, out FragmentDropReason reason));
        Assert.Equal(FragmentDropReason.Malformed, reason); // not a multiple of 8
        byte[] far = TestPackets.Fragment4(s_udp4, 0, 48, more: true);
        BinaryPrimitives.WriteUInt16BigEndian(far.AsSpan(6), (ushort)(0x2000 | (65_504 / 8)));
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, far, 0, out _, out reason));
        Assert.Equal(FragmentDropReason.TooBig, reason);
        byte[] far6 = TestPackets.Fragment6(s_tcp6, 0, 48, more: true);
        BinaryPrimitives.WriteUInt16BigEndian(far6.AsSpan(42), (ushort)(65_496 | 1));
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, far6, 0, out _, out reason));
        Assert.Equal(FragmentDropReason.TooBig, reason);
        Assert.Equal(ReassemblyStatus.NotFragment, Submit(r, s_udp4, 0, out _, out _));
        Assert.Equal(ReassemblyStatus.NotFragment, Submit(r, s_tcp6, 0, out _, out _));
        Assert.Equal(ReassemblyStatus.NotFragment, Submit(r, [], 0, out _, out _));
    }

    [Fact]
    public void Timeouts_are_30_seconds_for_IPv4_and_60_for_IPv6()
    {
        var r = new FragmentReassembler();
        Submit(r, TestPackets.Fragment4(s_udp4, 0, 48, more: true), 0, out _, out _);
        Submit(r, TestPackets.Fragment6(s_tcp6, 0, 48, more: true), 0, out _, out _);
        Assert.Equal(0, r.Expire(29_999));
        Assert.Equal(1, r.Expire(30_000));
        Assert.Equal(0, r.Expire(59_999));
        Assert.Equal(1, r.Expire(60_000));
        Assert.Equal(2, r.Drops(FragmentDropReason.Timeout));
        Assert.Equal(0, r.HeldBytes);

        // A late fragment starts afresh and is never combined with the abandoned ones.
        Assert.Equal(ReassemblyStatus.Held, Submit(r, TestPackets.Fragment4(s_udp4, 48, 60, more: false), 70_000, out _, out _));
        Assert.Equal(ReassemblyStatus.Held, Submit(r, TestPackets.Fragment4(s_udp4, 0, 48, more: true), 100_000, out _, out _)); // expired meanwhile
        Assert.Equal(3, r.Drops(FragmentDropReason.Timeout));
    }

    [Fact]
    public void Limits_per_source_in_total_in_bytes_and_in_fragments()
    {
        var r = new FragmentReassembler(new ReassemblyLimits { MaxDatagrams = 10, MaxPerSource = 3, MaxBytes = 400, MaxFragmentsPerDatagram = 2 });
        for (ushort id = 1; id <= 3; id++)
        {
            Assert.Equal(ReassemblyStatus.Held, Submit(r, TestPackets.Fragment4(s_udp4, 0, 48, true, id), 0, out _, out _));
        }

        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, TestPackets.Fragment4(s_udp4, 0, 48, true, 4), 0, out _, out FragmentDropReason reason));
        Assert.Equal(FragmentDropReason.PerSourceLimit, reason);

        byte[] other = TestPackets.Udp("198.19.0.2", "198.18.0.9", 5000, 53, payload: 300);
        Assert.Equal(ReassemblyStatus.Held, Submit(r, TestPackets.Fragment4(other, 0, 200, true, 1), 0, out _, out _));
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, TestPackets.Fragment4(other, 200, 64, true, 1), 0, out _, out reason));
        Assert.Equal(FragmentDropReason.MemoryLimit, reason); // 144 + 200 held, 64 more is too much
        Assert.Equal(ReassemblyStatus.Held, Submit(r, TestPackets.Fragment4(other, 200, 48, true, 1), 0, out _, out _));
        Assert.Equal(ReassemblyStatus.Dropped, Submit(r, TestPackets.Fragment4(other, 248, 60, false, 1), 0, out _, out reason));
        Assert.Equal(FragmentDropReason.TooManyFragments, reason);

        var small = new FragmentReassembler(new ReassemblyLimits { MaxDatagrams = 2 });
        byte[] a = TestPackets.Udp("198.19.0.3", "198.18.0.9", 1, 2, 100), b = TestPackets.Udp("198.19.0.4", "198.18.0.9", 1, 2, 100);
        byte[] c = TestPackets.Udp("198.19.0.5", "198.18.0.9", 1, 2, 100);
        Submit(small, TestPackets.Fragment4(a, 0, 48, true), 0, out _, out _);
        Submit(small, TestPackets.Fragment4(b, 0, 48, true), 0, out _, out _);
        Assert.Equal(ReassemblyStatus.Dropped, Submit(small, TestPackets.Fragment4(c, 0, 48, true), 0, out _, out reason));
        Assert.Equal(FragmentDropReason.TableFull, reason);
        Assert.Equal(ReassemblyStatus.Held, Submit(small, TestPackets.Fragment4(c, 0, 48, true), 30_000, out _, out _)); // the others timed out
    }

    [Fact]
    public void Reassembly_allocates_nothing_per_fragment()
    {
        var r = new FragmentReassembler();
        byte[][] fragments =
        [
            TestPackets.Fragment4(s_udp4, 0, 48, true), TestPackets.Fragment4(s_udp4, 48, 60, false),
            TestPackets.Fragment6(s_tcp6, 0, 64, true), TestPackets.Fragment6(s_tcp6, 64, 56, false),
        ];
        long now = 0;
        NoAllocation.Assert(count =>
        {
            int complete = 0;
            for (int i = 0; i < count; i++)
            {
                complete += r.Submit(fragments[(int)(now % 4)], now, out _, out _) == ReassemblyStatus.Complete ? 1 : 0;
                now++;
            }

            return complete;
        });
    }
}
