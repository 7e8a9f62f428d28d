using System.Buffers.Binary;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Packet;

namespace IpsecFw.Tun.Offload;

/// <summary>
/// Generic receive offload for a TUN queue with <c>IFF_VNET_HDR</c>: consecutive TCP segments of one flow in a batch
/// of packets to write become one super-packet written with <c>VIRTIO_NET_HDR_GSO_TCPV4/6</c>, so the kernel runs its
/// receive path once for up to 64 KB instead of once per segment (what the kernel's own GRO does for a NIC; wireguard-go's
/// <c>handleGRO</c>). Everything else is written as it is with <c>VIRTIO_NET_HDR_GSO_NONE</c>.
/// </summary>
/// <remarks>
/// <para>Only runs of packets that follow each other in the batch are merged, so the order of the packets is kept
/// exactly. A segment joins the run when it is a TCP segment with data and only ACK (or ACK|PSH) set, IPv4 without
/// options or fragments or IPv6 without extension headers, lengths that agree with its IP header, and the same
/// addresses, ports, acknowledgment number, TCP options, TOS/traffic class, DF and TTL/hop limit as the run's first;
/// its sequence number follows the run's last byte; its payload is no larger than the first's (the gso_size); nothing
/// joins after a smaller segment or after PSH; the super-packet stays within 65,535 bytes. These are the rules of the
/// kernel's <c>tcp_gro_receive</c>, as wireguard-go applies them.</para>
/// <para>The kernel trusts the TCP checksum of a super-packet (it arrives as CHECKSUM_PARTIAL), so every segment's own
/// checksum is verified before it joins; a segment with a bad one is written alone, for the kernel to drop.</para>
/// <para>The super-packet is built in one pinned 64 KB buffer owned by this object; nothing is allocated per packet.
/// Not thread-safe: the caller serialises writes.</para>
/// </remarks>
internal sealed class GroCoalescer
{
    /// <summary>The largest super-packet: an IPv4 total length (and an IPv6 payload length) is 16 bits.</summary>
    public const int MaxSuperPacket = 65535;

    private const int TcpFlagsOffset = 13;
    private const byte TcpAck = 0x10;
    private const byte TcpPsh = 0x08;
    private const int TcpChecksumOffset = 16;
    private const int TcpWindowOffset = 14;
    private const byte ProtocolTcp = 6;

    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(MaxSuperPacket, pinned: true);
    private PacketBuffer? _first;
    private int _runCount;
    private int _length;
    private bool _ipv6;
    private int _ipHeaderLength;
    private int _headerLength;
    private int _gsoSize;
    private uint _nextSequence;
    private bool _closed;

    /// <summary>Segments that went out inside a super-packet.</summary>
    public long Coalesced { get; private set; }

    /// <summary>Super-packets written.</summary>
    public long SuperPackets { get; private set; }

    /// <summary>
    /// Writes <paramref name="packets"/> through <paramref name="writer"/>, merging what can be merged, in order.
    /// Returns how many of the packets went out (a refused super-packet counts all of its segments as lost).
    /// </summary>
    public int Write(ReadOnlySpan<PacketBuffer> packets, IFrameWriter writer)
    {
        int written = 0;
        foreach (PacketBuffer p in packets)
        {
            ReadOnlySpan<byte> packet = p.Packet;
            if (!TryParse(packet, out bool ipv6, out int ipHeaderLength, out int tcpHeaderLength, out uint sequence, out bool psh))
            {
                written += Flush(writer);
                written += WritePlain(packet, writer);
                continue;
            }

            int payload = packet.Length - ipHeaderLength - tcpHeaderLength;
            if (_runCount > 0 && CanAppend(packet, ipv6, ipHeaderLength, tcpHeaderLength, sequence, payload))
            {
                if (_runCount == 1 && !StartCopy())
                {
                    written += WritePlain(_first!.Packet, writer); // the first has a bad checksum: alone, and p starts over
                    _runCount = 0;
                }
                else if (ChecksumValid(packet, ipv6, ipHeaderLength))
                {
                    Append(packet, payload, psh);
                    continue;
                }
                else
                {
                    written += Flush(writer);
                    written += WritePlain(packet, writer);
                    continue;
                }
            }

            written += Flush(writer);
            _first = p;
            _runCount = 1;
            _length = 0;
            _ipv6 = ipv6;
            _ipHeaderLength = ipHeaderLength;
            _headerLength = ipHeaderLength + tcpHeaderLength;
            _gsoSize = payload;
            _nextSequence = sequence + (uint)payload;
            _closed = psh;
        }

        written += Flush(writer);
        return written;
    }

    /// <summary>A TCP segment that may join a run (see the remarks); false for everything else.</summary>
    private static bool TryParse(ReadOnlySpan<byte> packet, out bool ipv6, out int ipHeaderLength, out int tcpHeaderLength, out uint sequence, out bool psh)
    {
        ipv6 = false;
        ipHeaderLength = 0;
        tcpHeaderLength = 0;
        sequence = 0;
        psh = false;
        if (packet.Length < 40 || packet.Length > MaxSuperPacket)
        {
            return false;
        }

        switch (packet[0] >> 4)
        {
            case 4:
                bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3FFF) != 0;
                if (packet[0] != 0x45 || packet[9] != ProtocolTcp || fragment
                    || BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) != packet.Length)
                {
                    return false;
                }

                ipHeaderLength = 20;
                break;
            case 6:
                if (packet.Length < 60 || packet[6] != ProtocolTcp || BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) != packet.Length - 40)
                {
                    return false;
                }

                ipv6 = true;
                ipHeaderLength = 40;
                break;
            default:
                return false;
        }

        tcpHeaderLength = (packet[ipHeaderLength + 12] >> 4) * 4;
        byte flags = packet[ipHeaderLength + TcpFlagsOffset];
        if (tcpHeaderLength < 20 || ipHeaderLength + tcpHeaderLength >= packet.Length || (flags != TcpAck && flags != (TcpAck | TcpPsh)))
        {
            return false; // no data, a bad data offset, or SYN/FIN/RST/URG/ECE/CWR: never merged
        }

        sequence = BinaryPrimitives.ReadUInt32BigEndian(packet[(ipHeaderLength + 4)..]);
        psh = flags != TcpAck;
        return true;
    }

    /// <summary>The run's header: in the first packet's buffer until a second segment joins, then in ours.</summary>
    private ReadOnlySpan<byte> RunHeader => _runCount > 1 ? _buffer.AsSpan(0, _headerLength) : _first!.Packet[.._headerLength];

    private bool CanAppend(ReadOnlySpan<byte> packet, bool ipv6, int ipHeaderLength, int tcpHeaderLength, uint sequence, int payload)
    {
        if (_closed || ipv6 != _ipv6 || ipHeaderLength + tcpHeaderLength != _headerLength || sequence != _nextSequence
            || payload > _gsoSize || (_runCount > 1 ? _length : _first!.Length) + payload > MaxSuperPacket)
        {
            return false;
        }

        ReadOnlySpan<byte> run = RunHeader;
        bool ipSame = ipv6
            ? packet[0] == run[0] && packet[1] >> 4 == run[1] >> 4 && packet[7] == run[7] && packet.Slice(8, 32).SequenceEqual(run.Slice(8, 32))
            : packet[1] == run[1] && packet[6] >> 5 == run[6] >> 5 && packet[8] == run[8] && packet.Slice(12, 8).SequenceEqual(run.Slice(12, 8));
        ReadOnlySpan<byte> tcp = packet[ipHeaderLength..];
        ReadOnlySpan<byte> runTcp = run[ipHeaderLength..];
        return ipSame
            && tcp[..4].SequenceEqual(runTcp[..4])                                   // ports
            && tcp.Slice(8, 4).SequenceEqual(runTcp.Slice(8, 4))                     // acknowledgment number
            && tcp[20..tcpHeaderLength].SequenceEqual(runTcp[20..tcpHeaderLength]);  // options (timestamps included)
    }

    /// <summary>Copies the run's first segment into the super-packet buffer once its checksum is known good.</summary>
    private bool StartCopy()
    {
        ReadOnlySpan<byte> first = _first!.Packet;
        if (!ChecksumValid(first, _ipv6, _ipHeaderLength))
        {
            return false;
        }

        first.CopyTo(_buffer);
        _length = first.Length;
        return true;
    }

    private void Append(ReadOnlySpan<byte> packet, int payload, bool psh)
    {
        packet[_headerLength..].CopyTo(_buffer.AsSpan(_length));
        _length += payload;
        _runCount++;
        _nextSequence += (uint)payload;
        Span<byte> tcp = _buffer.AsSpan(_ipHeaderLength);
        packet.Slice(_ipHeaderLength + TcpWindowOffset, 2).CopyTo(tcp[TcpWindowOffset..]); // the latest window
        if (psh)
        {
            tcp[TcpFlagsOffset] |= TcpPsh;
        }

        _closed = psh || payload < _gsoSize;
    }

    /// <summary>Writes the run (a lone segment as it is, or the super-packet) and forgets it.</summary>
    private int Flush(IFrameWriter writer)
    {
        int count = _runCount;
        _runCount = 0;
        if (count == 0)
        {
            return 0;
        }

        if (count == 1)
        {
            return WritePlain(_first!.Packet, writer);
        }

        Span<byte> packet = _buffer.AsSpan(0, _length);
        if (_ipv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(_length - _ipHeaderLength));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)_length);
            packet[10] = 0;
            packet[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(packet[10..], InternetChecksum.Compute(packet[.._ipHeaderLength]));
        }

        // CHECKSUM_PARTIAL: the field holds the folded pseudo-header sum (not complemented); whoever needs the real
        // checksum (a forwarding path that resegments) completes it from csum_start.
        uint pseudo = GsoSplitter.PseudoHeaderSum(packet, _ipv6, _length - _ipHeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(packet[(_ipHeaderLength + TcpChecksumOffset)..], (ushort)~InternetChecksum.Finish(pseudo));
        var header = new VirtioNetHeader
        {
            Flags = VirtioNetHeader.FlagNeedsChecksum,
            GsoType = _ipv6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4,
            HeaderLength = (ushort)_headerLength,
            GsoSize = (ushort)_gsoSize,
            ChecksumStart = (ushort)_ipHeaderLength,
            ChecksumOffset = TcpChecksumOffset,
        };
        if (!writer.WriteFrame(header, packet))
        {
            return 0;
        }

        SuperPackets++;
        Coalesced += count;
        return count;
    }

    private static int WritePlain(ReadOnlySpan<byte> packet, IFrameWriter writer) =>
        writer.WriteFrame(default, packet) ? 1 : 0;

    /// <summary>True when the TCP checksum of the segment verifies (RFC 9293 3.1).</summary>
    internal static bool ChecksumValid(ReadOnlySpan<byte> packet, bool ipv6, int ipHeaderLength)
    {
        ReadOnlySpan<byte> tcp = packet[ipHeaderLength..];
        uint sum = InternetChecksum.Add(GsoSplitter.PseudoHeaderSum(packet, ipv6, tcp.Length), tcp);
        return InternetChecksum.Finish(sum) == 0;
    }
}
