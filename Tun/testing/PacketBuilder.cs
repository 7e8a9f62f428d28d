using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using IpsecFw.Esp.Packet;

namespace IpsecFw.Tun.Testing;

/// <summary>
/// Builds and inspects IPv4/IPv6 test packets (UDP, ICMP echo, ICMPv6 echo) with correct checksums. The family follows
/// the addresses. The <c>Write…</c> forms fill a caller's span and allocate nothing, for loops that measure.
/// </summary>
public static class PacketBuilder
{
    /// <summary>IPv4 header without options (RFC 791).</summary>
    public const int IPv4HeaderLength = 20;

    /// <summary>IPv6 fixed header (RFC 8200).</summary>
    public const int IPv6HeaderLength = 40;

    /// <summary>UDP header (RFC 768).</summary>
    public const int UdpHeaderLength = 8;

    /// <summary>ICMP / ICMPv6 echo header: type, code, checksum, identifier, sequence.</summary>
    public const int EchoHeaderLength = 8;

    /// <summary>ICMPv6's protocol number.</summary>
    public const byte IcmpV6 = 58;

    // IPv4 field offsets (RFC 791 §3.1).
    private const int V4TotalLengthOffset = 2;
    private const int V4IdOffset = V4TotalLengthOffset + 2;
    private const int V4FlagsOffset = V4IdOffset + 2;
    private const int V4TtlOffset = V4FlagsOffset + 2;
    private const int V4ProtocolOffset = V4TtlOffset + 1;
    private const int V4ChecksumOffset = V4ProtocolOffset + 1;
    private const int V4SourceOffset = V4ChecksumOffset + 2;
    private const int V4DestinationOffset = V4SourceOffset + 4;

    // IPv6 field offsets (RFC 8200 §3).
    private const int V6PayloadLengthOffset = 4;
    private const int V6NextHeaderOffset = V6PayloadLengthOffset + 2;
    private const int V6HopLimitOffset = V6NextHeaderOffset + 1;
    private const int V6SourceOffset = V6HopLimitOffset + 1;
    private const int V6DestinationOffset = V6SourceOffset + 16;

    // Checksum offsets inside the upper-layer header.
    private const int UdpChecksumOffset = 6;
    private const int TcpChecksumOffset = 16;
    private const int IcmpChecksumOffset = 2;

    /// <summary>Builds a UDP datagram in an IPv4 or IPv6 packet.</summary>
    public static byte[] Udp(IPAddress source, IPAddress destination, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[HeaderLength(source) + UdpHeaderLength + payload.Length];
        WriteUdp(packet, source, destination, sourcePort, destinationPort, payload);
        return packet;
    }

    /// <summary>TCP header without options (RFC 9293 3.1).</summary>
    public const int TcpHeaderLength = 20;

    /// <summary>TCP flag bits (RFC 9293 3.1): FIN.</summary>
    public const byte TcpFin = 0x01;

    /// <summary>TCP SYN.</summary>
    public const byte TcpSyn = 0x02;

    /// <summary>TCP RST.</summary>
    public const byte TcpRst = 0x04;

    /// <summary>TCP ACK.</summary>
    public const byte TcpAck = 0x10;

    /// <summary>
    /// Builds a TCP segment (no options, window 65535, the given sequence numbers and flags, e.g.
    /// <see cref="TcpSyn"/> | <see cref="TcpAck"/>) in an IPv4 or IPv6 packet, with a correct checksum.
    /// </summary>
    public static byte[] Tcp(IPAddress source, IPAddress destination, ushort sourcePort, ushort destinationPort, byte flags,
        ReadOnlySpan<byte> payload = default, uint sequence = 0, uint acknowledgment = 0)
    {
        var packet = new byte[HeaderLength(source) + TcpHeaderLength + payload.Length];
        int ip = WriteIpHeader(packet, source, destination, IpProtocol.Tcp, TcpHeaderLength + payload.Length);
        Span<byte> tcp = packet.AsSpan(ip);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], acknowledgment);
        tcp[12] = (TcpHeaderLength / 4) << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 65535);
        payload.CopyTo(tcp[TcpHeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[TcpChecksumOffset..], UpperChecksum(packet, ip));
        return packet;
    }

    /// <summary>
    /// Splits an IPv4 packet (20-byte header) into fragments (RFC 791 3.2) whose payloads are
    /// <paramref name="fragmentPayload"/> bytes (a multiple of 8) except the last; DF cleared, identification
    /// <paramref name="identification"/>, header checksums recomputed.
    /// </summary>
    public static List<byte[]> FragmentIPv4(ReadOnlySpan<byte> packet, int fragmentPayload, ushort identification)
    {
        if (fragmentPayload <= 0 || fragmentPayload % 8 != 0 || packet.Length < IPv4HeaderLength || packet[0] != 0x45)
        {
            throw new ArgumentException("An IPv4 packet without options and a payload size that is a positive multiple of 8 are needed.");
        }

        ReadOnlySpan<byte> payload = packet[IPv4HeaderLength..];
        var fragments = new List<byte[]>();
        for (int offset = 0; offset < payload.Length; offset += fragmentPayload)
        {
            int length = Math.Min(fragmentPayload, payload.Length - offset);
            bool more = offset + length < payload.Length;
            var fragment = new byte[IPv4HeaderLength + length];
            packet[..IPv4HeaderLength].CopyTo(fragment);
            payload.Slice(offset, length).CopyTo(fragment.AsSpan(IPv4HeaderLength));
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(V4TotalLengthOffset), (ushort)fragment.Length);
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(V4IdOffset), identification);
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(V4FlagsOffset), (ushort)((more ? 0x2000 : 0) | (offset / 8)));
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(V4ChecksumOffset), 0);
            BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(V4ChecksumOffset), InternetChecksum.Compute(fragment.AsSpan(0, IPv4HeaderLength)));
            fragments.Add(fragment);
        }

        return fragments;
    }

    /// <summary>Builds an ICMP (IPv4) or ICMPv6 (IPv6) echo request.</summary>
    public static byte[] EchoRequest(IPAddress source, IPAddress destination, ushort identifier, ushort sequence, ReadOnlySpan<byte> payload)
    {
        var packet = new byte[HeaderLength(source) + EchoHeaderLength + payload.Length];
        WriteEchoRequest(packet, source, destination, identifier, sequence, payload);
        return packet;
    }

    /// <summary>Writes a UDP packet into <paramref name="dest"/> and returns its length.</summary>
    public static int WriteUdp(Span<byte> dest, IPAddress source, IPAddress destination, ushort sourcePort, ushort destinationPort, ReadOnlySpan<byte> payload)
    {
        int ip = WriteIpHeader(dest, source, destination, IpProtocol.Udp, UdpHeaderLength + payload.Length);
        Span<byte> udp = dest.Slice(ip, UdpHeaderLength + payload.Length);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)udp.Length);
        BinaryPrimitives.WriteUInt16BigEndian(udp[UdpChecksumOffset..], 0);
        payload.CopyTo(udp[UdpHeaderLength..]);
        ushort checksum = UpperChecksum(dest[..(ip + udp.Length)], ip);
        BinaryPrimitives.WriteUInt16BigEndian(udp[UdpChecksumOffset..], checksum == 0 ? (ushort)0xFFFF : checksum); // RFC 768: 0 means "none"
        return ip + udp.Length;
    }

    /// <summary>Writes an echo request into <paramref name="dest"/> and returns its length.</summary>
    public static int WriteEchoRequest(Span<byte> dest, IPAddress source, IPAddress destination, ushort identifier, ushort sequence, ReadOnlySpan<byte> payload)
    {
        bool v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        int ip = WriteIpHeader(dest, source, destination, v6 ? IcmpV6 : IpProtocol.Icmp, EchoHeaderLength + payload.Length);
        Span<byte> icmp = dest.Slice(ip, EchoHeaderLength + payload.Length);
        icmp[0] = v6 ? (byte)128 : (byte)8; // Echo Request: ICMP type 8 (RFC 792), ICMPv6 type 128 (RFC 4443 §4.1)
        icmp[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[IcmpChecksumOffset..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        payload.CopyTo(icmp[EchoHeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[IcmpChecksumOffset..], UpperChecksum(dest[..(ip + icmp.Length)], ip));
        return ip + icmp.Length;
    }

    /// <summary>
    /// Turns an echo request into its reply in place: addresses swapped, type changed, checksum recomputed. False (and
    /// the packet untouched) when it is not an echo request.
    /// </summary>
    public static bool TryMakeEchoReply(Span<byte> packet)
    {
        if (!TryGetUpper(packet, out byte protocol, out int upper) || packet.Length < upper + EchoHeaderLength)
        {
            return false;
        }

        bool v6 = protocol == IcmpV6;
        if (!(v6 ? packet[upper] == 128 : protocol == IpProtocol.Icmp && packet[upper] == 8))
        {
            return false;
        }

        int addressLength = v6 ? 16 : 4;
        int sourceOffset = v6 ? V6SourceOffset : V4SourceOffset;
        Span<byte> tmp = stackalloc byte[16];
        packet.Slice(sourceOffset, addressLength).CopyTo(tmp);
        packet.Slice(sourceOffset + addressLength, addressLength).CopyTo(packet.Slice(sourceOffset, addressLength));
        tmp[..addressLength].CopyTo(packet.Slice(sourceOffset + addressLength, addressLength));
        packet[upper] = v6 ? (byte)129 : (byte)0; // Echo Reply
        BinaryPrimitives.WriteUInt16BigEndian(packet[(upper + IcmpChecksumOffset)..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(packet[(upper + IcmpChecksumOffset)..], UpperChecksum(packet, upper));
        return true; // IPv4 header checksum: a swap of two words leaves the sum unchanged.
    }

    /// <summary>Finds a UDP datagram's ports and payload; false when the packet is not UDP (or is malformed).</summary>
    public static bool TryGetUdp(ReadOnlySpan<byte> packet, out ushort sourcePort, out ushort destinationPort, out Range payload)
    {
        sourcePort = destinationPort = 0;
        payload = default;
        if (!TryGetUpper(packet, out byte protocol, out int upper) || protocol != IpProtocol.Udp || packet.Length < upper + UdpHeaderLength)
        {
            return false;
        }

        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(packet[(upper + 4)..]);
        if (udpLength < UdpHeaderLength || upper + udpLength > packet.Length)
        {
            return false;
        }

        sourcePort = BinaryPrimitives.ReadUInt16BigEndian(packet[upper..]);
        destinationPort = BinaryPrimitives.ReadUInt16BigEndian(packet[(upper + 2)..]);
        payload = new Range(upper + UdpHeaderLength, upper + udpLength);
        return true;
    }

    /// <summary>True when the packet is an ICMP or ICMPv6 echo request.</summary>
    public static bool IsEchoRequest(ReadOnlySpan<byte> packet) =>
        TryGetUpper(packet, out byte protocol, out int upper) && packet.Length > upper &&
        (protocol == IpProtocol.Icmp ? packet[upper] == 8 : protocol == IcmpV6 && packet[upper] == 128);

    /// <summary>True when the packet is an ICMP or ICMPv6 echo reply.</summary>
    public static bool IsEchoReply(ReadOnlySpan<byte> packet) =>
        TryGetUpper(packet, out byte protocol, out int upper) && packet.Length > upper &&
        (protocol == IpProtocol.Icmp ? packet[upper] == 0 : protocol == IcmpV6 && packet[upper] == 129);

    /// <summary>
    /// Checks the IPv4 header checksum and the UDP, ICMP or ICMPv6 checksum (pseudo-header included). Other protocols
    /// only get the IPv4 header check.
    /// </summary>
    public static bool ChecksumsValid(ReadOnlySpan<byte> packet)
    {
        if (!TryGetUpper(packet, out byte protocol, out int upper))
        {
            return false;
        }

        if (packet[0] >> 4 == 4 && InternetChecksum.Compute(packet[..IPv4HeaderLength]) != 0)
        {
            return false;
        }

        if (protocol is not (IpProtocol.Udp or IpProtocol.Icmp or IcmpV6))
        {
            return true;
        }

        uint sum = InternetChecksum.Add(PseudoHeaderSum(packet, protocol, upper), packet[upper..]);
        return InternetChecksum.Finish(sum) == 0;
    }

    /// <summary>The IP header's length for <paramref name="source"/>'s family.</summary>
    public static int HeaderLength(IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.AddressFamily == AddressFamily.InterNetworkV6 ? IPv6HeaderLength : IPv4HeaderLength;
    }

    private static int WriteIpHeader(Span<byte> dest, IPAddress source, IPAddress destination, byte protocol, int upperLength)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (source.AddressFamily != destination.AddressFamily)
        {
            throw new ArgumentException("Source and destination must be of one family.", nameof(destination));
        }

        if (source.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> h = dest[..IPv6HeaderLength];
            BinaryPrimitives.WriteUInt32BigEndian(h, 0x6000_0000); // version 6, traffic class 0, flow label 0
            BinaryPrimitives.WriteUInt16BigEndian(h[V6PayloadLengthOffset..], (ushort)upperLength);
            h[V6NextHeaderOffset] = protocol;
            h[V6HopLimitOffset] = 64;
            source.TryWriteBytes(h.Slice(V6SourceOffset, 16), out _);
            destination.TryWriteBytes(h.Slice(V6DestinationOffset, 16), out _);
            return IPv6HeaderLength;
        }

        Span<byte> v4 = dest[..IPv4HeaderLength];
        v4[0] = 0x45; // version 4, IHL 5
        v4[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(v4[V4TotalLengthOffset..], (ushort)(IPv4HeaderLength + upperLength));
        BinaryPrimitives.WriteUInt16BigEndian(v4[V4IdOffset..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(v4[V4FlagsOffset..], 0x4000); // DF
        v4[V4TtlOffset] = 64;
        v4[V4ProtocolOffset] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(v4[V4ChecksumOffset..], 0);
        source.TryWriteBytes(v4.Slice(V4SourceOffset, 4), out _);
        destination.TryWriteBytes(v4.Slice(V4DestinationOffset, 4), out _);
        BinaryPrimitives.WriteUInt16BigEndian(v4[V4ChecksumOffset..], InternetChecksum.Compute(v4));
        return IPv4HeaderLength;
    }

    /// <summary>The upper-layer checksum of <c>packet[upper..]</c> (its checksum field zeroed), with the pseudo-header where the protocol has one.</summary>
    private static ushort UpperChecksum(ReadOnlySpan<byte> packet, int upper)
    {
        TryGetUpper(packet, out byte protocol, out _);
        return InternetChecksum.Finish(InternetChecksum.Add(PseudoHeaderSum(packet, protocol, upper), packet[upper..]));
    }

    /// <summary>RFC 768 / RFC 8200 §8.1 pseudo-header; ICMPv4 has none.</summary>
    private static uint PseudoHeaderSum(ReadOnlySpan<byte> packet, byte protocol, int upper)
    {
        if (protocol == IpProtocol.Icmp)
        {
            return 0;
        }

        uint length = (uint)(packet.Length - upper);
        if (packet[0] >> 4 == 6)
        {
            uint s = InternetChecksum.Add(0, packet.Slice(V6SourceOffset, 32));
            return s + (length >> 16) + (length & 0xFFFF) + protocol;
        }

        return InternetChecksum.Add(0, packet.Slice(V4SourceOffset, 8)) + length + protocol;
    }

    /// <summary>The upper-layer protocol and where it starts (no IPv4 options or IPv6 extension headers are followed).</summary>
    private static bool TryGetUpper(ReadOnlySpan<byte> packet, out byte protocol, out int upper)
    {
        protocol = 0;
        upper = 0;
        if (packet.Length >= IPv4HeaderLength && packet[0] >> 4 == 4)
        {
            upper = (packet[0] & 0xF) * 4;
            protocol = packet[V4ProtocolOffset];
            return upper >= IPv4HeaderLength && packet.Length >= upper;
        }

        if (packet.Length >= IPv6HeaderLength && packet[0] >> 4 == 6)
        {
            upper = IPv6HeaderLength;
            protocol = packet[V6NextHeaderOffset];
            return true;
        }

        return false;
    }
}
