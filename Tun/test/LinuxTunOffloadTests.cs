using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using IpsecFw.Esp.Buffers;
using IpsecFw.Tun.Offload;
using IpsecFw.Tun.Testing;
using IpsecFw.Tun.Tests.Harness;
using IpsecFw.Tun.Tests.Offload;

namespace IpsecFw.Tun.Tests;

/// <summary>
/// A TUN queue opened with offloads (<c>IFF_VNET_HDR</c>, TSO, partial checksums) against the real kernel, in a
/// namespace the test creates: the kernel's TCP hands over super-packets that <see cref="LinuxTun.Read"/> splits, and
/// super-packets that <see cref="LinuxTun.Write"/> merges are accepted by a real socket. Root only; skipped otherwise.
/// </summary>
[Trait("Category", "Tun")]
[SupportedOSPlatform("linux")]
public class LinuxTunOffloadTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);

    [Fact]
    public void Udp_checksums_the_kernel_leaves_partial_are_completed_and_a_written_datagram_reaches_the_socket()
    {
        using TunNamespace ns = TunNamespace.Create(offload: true);
        Assert.True(ns.Tun.HasOffload);
        using Socket socket = ns.InNamespace(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 };
            s.Bind(new IPEndPoint(TunNamespace.Local4, 0));
            return s;
        });
        ushort localPort = (ushort)((IPEndPoint)socket.LocalEndPoint!).Port;
        byte[] payload = TcpPackets.Payload(777);
        socket.SendTo(payload, new IPEndPoint(TunNamespace.Remote4, 9999));

        byte[]? packet = ns.ReadMatching(p => PacketBuilder.TryGetUdp(p, out _, out ushort dp, out _) && dp == 9999, s_bound);
        Assert.NotNull(packet);
        Assert.True(PacketBuilder.ChecksumsValid(packet));
        Assert.True(PacketBuilder.TryGetUdp(packet, out _, out _, out Range body));
        Assert.Equal(payload, packet[body]);

        byte[] reply = PacketBuilder.Udp(TunNamespace.Remote4, TunNamespace.Local4, 9999, localPort, "reply in"u8);
        PacketBuffer buf = TunNamespace.Buffers(1)[0];
        reply.CopyTo(buf.Bytes, PacketBuffer.Headroom);
        buf.Length = reply.Length;
        Assert.Equal(1, ns.Tun.Write([buf]));
        var into = new byte[64];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int got = socket.ReceiveFrom(into, ref from);
        Assert.Equal("reply in"u8.ToArray(), into[..got]);
    }

    [Fact]
    public void A_tcp_stream_from_the_namespace_arrives_as_tso_super_packets_split_into_valid_segments()
    {
        const int Total = 1 << 20;
        const ushort ServerPort = 5201;
        const uint ServerIsn = 0x7000_0000;
        using TunNamespace ns = TunNamespace.Create(offload: true);
        using Socket client = ns.InNamespace(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        byte[] data = TcpPackets.Payload(Total, 9);
        Exception? sendError = null;
        var sender = new Thread(() =>
        {
            try
            {
                client.Connect(new IPEndPoint(TunNamespace.Remote4, ServerPort));
                client.Send(data);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                sendError = e;
            }
        });
        sender.Start();

        PacketBuffer[] bufs = TunNamespace.Buffers(64);
        PacketBuffer ack = TunNamespace.Buffers(1)[0];
        using var watchdog = new Timer(_ => ns.Tun.Dispose(), null, s_bound, Timeout.InfiniteTimeSpan);
        var received = new byte[Total];
        ushort clientPort = 0;
        uint clientIsn = 0;
        long next = 0; // bytes received in order
        int segments = 0;
        var clock = Stopwatch.StartNew();
        while (next < Total && clock.Elapsed < s_bound)
        {
            int n = ns.Tun.Read(bufs, PacketBuffer.Headroom);
            if (n == 0)
            {
                break;
            }

            for (int i = 0; i < n; i++)
            {
                byte[] p = bufs[i].Packet.ToArray();
                if (p[0] >> 4 != 4 || p[9] != 6 || BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(22)) != ServerPort)
                {
                    continue;
                }

                Assert.True(p.Length <= ns.Tun.Mtu, $"a segment of {p.Length} bytes left the splitter");
                Assert.True(ReferenceChecksum.Ipv4HeaderValid(p));
                Assert.True(ReferenceChecksum.TcpValid(p), "a segment's TCP checksum does not verify");
                byte flags = p[33];
                uint seq = BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(24));
                if ((flags & PacketBuilder.TcpSyn) != 0)
                {
                    clientPort = BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(20));
                    clientIsn = seq;
                    Send(ns, ack, SynAckWithMss(clientPort, ServerIsn, clientIsn + 1, 1360));
                    continue;
                }

                int dataOffset = 20 + ((p[32] >> 4) * 4);
                int length = p.Length - dataOffset;
                long at = (long)unchecked(seq - clientIsn - 1);
                if (length > 0 && at >= 0 && at + length <= Total)
                {
                    p.AsSpan(dataOffset).CopyTo(received.AsSpan((int)at));
                    segments++;
                    if (at <= next)
                    {
                        next = Math.Max(next, at + length);
                    }
                }
            }

            if (clientPort != 0 && next > 0)
            {
                Send(ns, ack, PacketBuilder.Tcp(TunNamespace.Remote4, TunNamespace.Local4, ServerPort, clientPort, PacketBuilder.TcpAck,
                    sequence: ServerIsn + 1, acknowledgment: unchecked(clientIsn + 1 + (uint)next)));
            }
        }

        Assert.Equal(Total, next);
        Assert.Equal(data, received);
        Assert.True(ns.Tun.SuperPacketsRead > 0, "the kernel never handed over a TSO super-packet");
        Assert.True(ns.Tun.SegmentsSplit > ns.Tun.SuperPacketsRead);
        Assert.True(sender.Join(s_bound));
        Assert.Null(sendError);
        foreach (OffloadDrop reason in Enum.GetValues<OffloadDrop>())
        {
            Assert.Equal(0, ns.Tun.OffloadDrops(reason));
        }
    }

    [Fact]
    public void Segments_written_in_one_batch_are_merged_and_a_real_socket_receives_every_byte()
    {
        const ushort ListenPort = 5301, PeerPort = 40000;
        const uint PeerIsn = 1000;
        using TunNamespace ns = TunNamespace.Create(offload: true);
        using Socket listener = ns.InNamespace(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(TunNamespace.Local4, ListenPort));
            s.Listen(1);
            return s;
        });
        PacketBuffer[] one = TunNamespace.Buffers(1);
        Send(ns, one[0], PacketBuilder.Tcp(TunNamespace.Remote4, TunNamespace.Local4, PeerPort, ListenPort, PacketBuilder.TcpSyn, sequence: PeerIsn));
        byte[]? synAck = ns.ReadMatching(p => p[0] >> 4 == 4 && p[9] == 6 && BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(22)) == PeerPort, s_bound);
        Assert.NotNull(synAck);
        uint serverIsn = BinaryPrimitives.ReadUInt32BigEndian(synAck.AsSpan(24));
        uint ackNumber = serverIsn + 1;
        Send(ns, one[0], PacketBuilder.Tcp(TunNamespace.Remote4, TunNamespace.Local4, PeerPort, ListenPort, PacketBuilder.TcpAck, sequence: PeerIsn + 1, acknowledgment: ackNumber));
        listener.ReceiveTimeout = 5000;
        using Socket accepted = listener.Accept();
        accepted.ReceiveTimeout = 5000;

        const int Count = 40, Size = 1000;
        byte[] data = TcpPackets.Payload(Count * Size, 4);
        PacketBuffer[] batch = TunNamespace.Buffers(Count);
        for (int i = 0; i < Count; i++)
        {
            byte[] segment = PacketBuilder.Tcp(TunNamespace.Remote4, TunNamespace.Local4, PeerPort, ListenPort, PacketBuilder.TcpAck,
                data.AsSpan(i * Size, Size), PeerIsn + 1 + (uint)(i * Size), ackNumber);
            segment.CopyTo(batch[i].Bytes, PacketBuffer.Headroom);
            batch[i].Length = segment.Length;
        }

        Assert.Equal(Count, ns.Tun.Write(batch));
        Assert.True(ns.Tun.SuperPacketsWritten >= 1);
        Assert.Equal(Count, ns.Tun.SegmentsCoalesced);

        var got = new byte[data.Length];
        int have = 0;
        var clock = Stopwatch.StartNew();
        while (have < got.Length && clock.Elapsed < s_bound)
        {
            int n = accepted.Receive(got.AsSpan(have));
            if (n == 0)
            {
                break;
            }

            have += n;
        }

        Assert.Equal(data.Length, have);
        Assert.Equal(data, got);
    }

    private static void Send(TunNamespace ns, PacketBuffer buf, byte[] packet)
    {
        buf.Offset = PacketBuffer.Headroom;
        buf.Length = packet.Length;
        packet.CopyTo(buf.Bytes, buf.Offset);
        Assert.Equal(1, ns.Tun.Write([buf]));
    }

    /// <summary>SYN|ACK from the test's server with an MSS option (RFC 9293 3.7.1), so the client sends full segments.</summary>
    private static byte[] SynAckWithMss(ushort clientPort, uint isn, uint ack, ushort mss)
    {
        byte[] plain = PacketBuilder.Tcp(TunNamespace.Remote4, TunNamespace.Local4, 5201, clientPort,
            (byte)(PacketBuilder.TcpSyn | PacketBuilder.TcpAck), sequence: isn, acknowledgment: ack);
        byte[] q = [.. plain.AsSpan(0, 40), 2, 4, (byte)(mss >> 8), (byte)mss];
        q[32] = 6 << 4;
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(2), (ushort)q.Length);
        q[10] = 0;
        q[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(10), (ushort)~ReferenceChecksum.Fold(ReferenceChecksum.Sum(q.AsSpan(0, 20))));
        q[36] = 0;
        q[37] = 0;
        long sum = ReferenceChecksum.PseudoHeader(q, q.Length - 20) + ReferenceChecksum.Sum(q.AsSpan(20));
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(36), (ushort)~ReferenceChecksum.Fold(sum));
        return q;
    }
}
