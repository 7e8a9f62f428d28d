using System.Buffers.Binary;
using IpsecFw.Esp.Packet;

namespace IpsecFw.Tun.Offload;

/// <summary>
/// Turns what one <c>read(2)</c> of a TUN queue with <c>IFF_VNET_HDR</c> returned into IP packets the ESP engine can
/// seal: a plain packet (its checksum completed when the kernel left it partial), or a TCP GSO super-packet of up to
/// 64 KB split into MSS-sized segments, the work the kernel's <c>tcp_gso_segment</c> would have done on a real NIC.
/// </summary>
/// <remarks>
/// <para>One packet is loaded (<see cref="Load"/>) and its segments are taken one at a time (<see cref="Next"/>), each
/// written straight into the caller's buffer, so a super-packet larger than the caller's batch is finished over several
/// batches. The source stays in the caller's array between calls. Nothing is allocated.</para>
/// <para>Per segment (RFC 791, RFC 8200, RFC 9293 3.1): the IP and TCP headers are copied; IPv4 total length, a fresh
/// Identification (the super-packet's + segment index, as Linux does) and the header checksum; IPv6 payload length;
/// the TCP sequence number advanced by the payload before it; FIN and PSH kept only on the last segment and CWR only on
/// the first (tcp_gso_segment's rules); the TCP checksum computed over the pseudo-header and the whole segment.</para>
/// <para>Hostile or odd headers are refused with an <see cref="OffloadDrop"/>, never an exception.</para>
/// </remarks>
internal sealed class GsoSplitter
{
    private const int Ipv4MinHeader = 20;
    private const int Ipv6Header = 40;
    private const int TcpMinHeader = 20;
    private const int TcpMaxHeader = 60;
    private const int TcpChecksumOffset = 16;
    private const int TcpFlagsOffset = 13;
    private const byte TcpFin = 0x01;
    private const byte TcpPsh = 0x08;
    private const byte TcpCwr = 0x80;
    private const byte ProtocolTcp = 6;

    private byte[] _source = [];
    private int _start;
    private int _length;
    private bool _segmenting;
    private bool _ipv6;
    private int _ipHeaderLength;
    private int _headerLength;
    private int _gsoSize;
    private int _nextPayload;
    private int _index;
    private uint _firstSequence;
    private ushort _firstId;

    /// <summary>True while the loaded packet has segments (or the one plain packet) not yet taken.</summary>
    public bool HasPending { get; private set; }

    /// <summary>Segments made from GSO super-packets since creation.</summary>
    public long Segments { get; private set; }

    /// <summary>GSO super-packets loaded since creation.</summary>
    public long SuperPackets { get; private set; }

    /// <summary>
    /// Loads the packet at <paramref name="start"/> in <paramref name="source"/> (<paramref name="length"/> bytes, after
    /// the virtio-net header <paramref name="header"/>). Every segment it yields will fit in <paramref name="room"/>
    /// bytes. A packet that is refused leaves nothing pending.
    /// </summary>
    public OffloadDrop Load(byte[] source, int start, int length, in VirtioNetHeader header, int room)
    {
        HasPending = false;
        _source = source;
        _start = start;
        _length = length;
        Span<byte> packet = source.AsSpan(start, length);
        if (length == 0)
        {
            return OffloadDrop.Truncated;
        }

        byte gsoType = (byte)(header.GsoType & ~VirtioNetHeader.GsoEcn);
        if (gsoType == VirtioNetHeader.GsoNone)
        {
            if (length > room)
            {
                return OffloadDrop.TooLarge;
            }

            if ((header.Flags & VirtioNetHeader.FlagNeedsChecksum) != 0)
            {
                OffloadDrop drop = CompleteChecksum(packet, header.ChecksumStart, header.ChecksumOffset);
                if (drop != OffloadDrop.None)
                {
                    return drop;
                }
            }

            _segmenting = false;
            HasPending = true;
            return OffloadDrop.None;
        }

        if (gsoType is not (VirtioNetHeader.GsoTcpV4 or VirtioNetHeader.GsoTcpV6))
        {
            return OffloadDrop.UnsupportedGsoType;
        }

        if (header.GsoSize == 0)
        {
            return OffloadDrop.ZeroGsoSize;
        }

        if (header.HeaderLength > length)
        {
            return OffloadDrop.BadHeaderLength;
        }

        OffloadDrop ip = gsoType == VirtioNetHeader.GsoTcpV4 ? CheckIpv4(packet) : CheckIpv6(packet);
        if (ip != OffloadDrop.None)
        {
            return ip;
        }

        // The transport header starts where the IP header ends; the kernel says so in csum_start, and it must agree.
        if (header.ChecksumStart != _ipHeaderLength || header.ChecksumOffset != TcpChecksumOffset)
        {
            return OffloadDrop.BadChecksumOffset;
        }

        if (length < _ipHeaderLength + TcpMinHeader)
        {
            return OffloadDrop.Truncated;
        }

        // hdr_len is not trusted beyond the bounds check above: some kernels report the linear part of the skb, which
        // may hold payload too (wireguard-go computes it again the same way). The TCP data offset says where data starts.
        int tcpHeaderLength = (packet[_ipHeaderLength + 12] >> 4) * 4;
        if (tcpHeaderLength is < TcpMinHeader or > TcpMaxHeader || _ipHeaderLength + tcpHeaderLength > length)
        {
            return OffloadDrop.Truncated;
        }

        _headerLength = _ipHeaderLength + tcpHeaderLength;
        _gsoSize = header.GsoSize;
        if (_headerLength + Math.Min(_gsoSize, length - _headerLength) > room)
        {
            return OffloadDrop.TooLarge;
        }

        _firstSequence = BinaryPrimitives.ReadUInt32BigEndian(packet[(_ipHeaderLength + 4)..]);
        _firstId = _ipv6 ? (ushort)0 : BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        _nextPayload = _headerLength;
        _index = 0;
        _segmenting = true;
        HasPending = true;
        SuperPackets++;
        return OffloadDrop.None;
    }

    /// <summary>
    /// Writes the next segment (or the plain packet) into <paramref name="destination"/>, which must hold the room given
    /// to <see cref="Load"/>, and returns its length; 0 when nothing is pending.
    /// </summary>
    public int Next(Span<byte> destination)
    {
        if (!HasPending)
        {
            return 0;
        }

        ReadOnlySpan<byte> packet = _source.AsSpan(_start, _length);
        if (!_segmenting)
        {
            HasPending = false;
            packet.CopyTo(destination);
            return packet.Length;
        }

        int payload = Math.Min(_gsoSize, _length - _nextPayload);
        bool last = _nextPayload + payload >= _length;
        int total = _headerLength + payload;
        packet[.._headerLength].CopyTo(destination);
        packet.Slice(_nextPayload, payload).CopyTo(destination[_headerLength..]);
        Span<byte> segment = destination[..total];

        if (_ipv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[4..], (ushort)(total - Ipv6Header));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[2..], (ushort)total);
            BinaryPrimitives.WriteUInt16BigEndian(segment[4..], (ushort)(_firstId + _index));
            segment[10] = 0;
            segment[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(segment[10..], InternetChecksum.Compute(segment[.._ipHeaderLength]));
        }

        Span<byte> tcp = segment[_ipHeaderLength..];
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], _firstSequence + (uint)(_nextPayload - _headerLength));
        if (!last)
        {
            tcp[TcpFlagsOffset] &= unchecked((byte)~(TcpFin | TcpPsh));
        }

        if (_index > 0)
        {
            tcp[TcpFlagsOffset] &= unchecked((byte)~TcpCwr);
        }

        tcp[TcpChecksumOffset] = 0;
        tcp[TcpChecksumOffset + 1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpChecksumOffset..], InternetChecksum.Finish(InternetChecksum.Add(PseudoHeaderSum(segment, _ipv6, tcp.Length), tcp)));

        _nextPayload += payload;
        _index++;
        Segments++;
        HasPending = !last;
        return total;
    }

    /// <summary>The one's-complement sum of the TCP pseudo-header (RFC 9293 3.1; RFC 8200 8.1), not folded.</summary>
    internal static uint PseudoHeaderSum(ReadOnlySpan<byte> packet, bool ipv6, int transportLength)
    {
        uint sum = ipv6 ? InternetChecksum.Add(0, packet.Slice(8, 32)) : InternetChecksum.Add(0, packet.Slice(12, 8));
        return sum + ProtocolTcp + (uint)transportLength;
    }

    /// <summary>
    /// Completes a checksum the kernel left partial (<c>VIRTIO_NET_HDR_F_NEEDS_CSUM</c>): the field holds the
    /// pseudo-header sum; the checksum of everything from csum_start goes there, 0 written as 0xFFFF as the kernel's
    /// <c>skb_checksum_help</c> does.
    /// </summary>
    internal static OffloadDrop CompleteChecksum(Span<byte> packet, int checksumStart, int checksumOffset)
    {
        if (checksumStart >= packet.Length || checksumStart + checksumOffset + 2 > packet.Length)
        {
            return OffloadDrop.BadChecksumOffset;
        }

        ushort checksum = InternetChecksum.Compute(packet[checksumStart..]);
        BinaryPrimitives.WriteUInt16BigEndian(packet[(checksumStart + checksumOffset)..], checksum == 0 ? (ushort)0xFFFF : checksum);
        return OffloadDrop.None;
    }

    private OffloadDrop CheckIpv4(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < Ipv4MinHeader)
        {
            return OffloadDrop.Truncated;
        }

        int ihl = (packet[0] & 0x0F) * 4;
        bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3FFF) != 0; // MF or an offset
        if (packet[0] >> 4 != 4 || ihl < Ipv4MinHeader || ihl > packet.Length || packet[9] != ProtocolTcp || fragment)
        {
            return OffloadDrop.BadIpHeader;
        }

        _ipv6 = false;
        _ipHeaderLength = ihl;
        return OffloadDrop.None;
    }

    private OffloadDrop CheckIpv6(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < Ipv6Header)
        {
            return OffloadDrop.Truncated;
        }

        // Extension headers between IPv6 and TCP are not split here (the kernel's TCP never puts any there).
        if (packet[0] >> 4 != 6 || packet[6] != ProtocolTcp)
        {
            return OffloadDrop.BadIpHeader;
        }

        _ipv6 = true;
        _ipHeaderLength = Ipv6Header;
        return OffloadDrop.None;
    }
}
