using System.Buffers.Binary;
using System.Net;

namespace IpsecFw.InteropTests.Support;

/// <summary>The kinds of clear packet the matrix sends: ICMP echo and UDP, and for IPv6 two with extension headers.</summary>
public enum PacketKind
{
    /// <summary>ICMP echo request (ICMPv6 echo request on IPv6).</summary>
    Icmp,

    /// <summary>UDP datagram.</summary>
    Udp,

    /// <summary>IPv6 only: UDP behind a Hop-by-Hop Options header (which stays in front of ESP in transport mode).</summary>
    UdpHopByHop,

    /// <summary>IPv6 only: ICMPv6 echo behind a Destination Options header.</summary>
    IcmpDestOpt,
}

/// <summary>
/// Builds well-formed clear IPv4/IPv6 packets (ICMP echo, UDP, with correct checksums) on our side, independently of
/// Scapy, so the "our engine encrypts" direction never starts from Scapy's bytes.
/// </summary>
public static class InnerPackets
{
    private const byte ProtoIcmp = 1;
    private const byte ProtoUdp = 17;
    private const byte ProtoHopByHop = 0;
    private const byte ProtoDestOpt = 60;
    private const byte ProtoIcmpV6 = 58;

    /// <summary>
    /// One clear packet. IPv4: DSCP AF11 with ECT(0) (TOS 0x2a), DF set, TTL 61, Identification from
    /// <paramref name="index"/>. IPv6: traffic class 0x2a, a flow label, hop limit 61. The payload is a deterministic
    /// pattern of <paramref name="payloadSize"/> bytes.
    /// </summary>
    public static ClearPacket Build(PacketKind kind, IPAddress source, IPAddress destination, int payloadSize, int index)
    {
        byte[] payload = new byte[payloadSize];
        for (int i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)((i * 13) + index + 0x41);
        }

        bool v6 = source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (!v6 && kind is PacketKind.UdpHopByHop or PacketKind.IcmpDestOpt)
        {
            throw new ArgumentException($"{kind} is IPv6 only", nameof(kind));
        }

        byte[] upper;
        byte upperProtocol;
        if (kind is PacketKind.Udp or PacketKind.UdpHopByHop)
        {
            upper = new byte[8 + payload.Length];
            BinaryPrimitives.WriteUInt16BigEndian(upper, (ushort)(40000 + index));
            BinaryPrimitives.WriteUInt16BigEndian(upper.AsSpan(2), 7);          // echo: tshark dissects any payload there
            BinaryPrimitives.WriteUInt16BigEndian(upper.AsSpan(4), (ushort)upper.Length);
            payload.CopyTo(upper, 8);
            upperProtocol = ProtoUdp;
        }
        else
        {
            upper = new byte[8 + payload.Length];
            upper[0] = v6 ? (byte)128 : (byte)8;                       // echo request
            BinaryPrimitives.WriteUInt16BigEndian(upper.AsSpan(4), 0x1d1d);
            BinaryPrimitives.WriteUInt16BigEndian(upper.AsSpan(6), (ushort)(index + 1));
            payload.CopyTo(upper, 8);
            upperProtocol = v6 ? ProtoIcmpV6 : ProtoIcmp;
        }

        byte[] src = source.GetAddressBytes();
        byte[] dst = destination.GetAddressBytes();
        if (upperProtocol != ProtoIcmp)
        {
            // UDP and ICMPv6 checksums cover a pseudo-header (RFC 768, RFC 8200 8.1); ICMP for IPv4 does not.
            ushort sum = Checksum(PseudoHeader(src, dst, upperProtocol, upper.Length), upper);
            if (upperProtocol == ProtoUdp && sum == 0)
            {
                sum = 0xFFFF;
            }

            BinaryPrimitives.WriteUInt16BigEndian(upper.AsSpan(upperProtocol == ProtoUdp ? 6 : 2), sum);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(upper.AsSpan(2), Checksum([], upper));
        }

        if (!v6)
        {
            byte[] packet = new byte[20 + upper.Length];
            packet[0] = 0x45;
            packet[1] = 0x2a;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)(0x3000 + index));
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), 0x4000);   // DF
            packet[8] = 61;
            packet[9] = upperProtocol;
            src.CopyTo(packet, 12);
            dst.CopyTo(packet, 16);
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), Checksum([], packet.AsSpan(0, 20)));
            upper.CopyTo(packet, 20);
            return new ClearPacket(kind, packet, 20, upperProtocol);
        }

        // RFC 8200 4.2: an extension header of 8 bytes, a PadN option filling the 6 bytes after Next Header and length.
        bool extension = kind is PacketKind.UdpHopByHop or PacketKind.IcmpDestOpt;
        byte extensionType = kind == PacketKind.UdpHopByHop ? ProtoHopByHop : ProtoDestOpt;
        int extLength = extension ? 8 : 0;
        byte[] v6Packet = new byte[40 + extLength + upper.Length];
        BinaryPrimitives.WriteUInt32BigEndian(v6Packet, (6u << 28) | (0x2au << 20) | (uint)(0x12345 + index));
        BinaryPrimitives.WriteUInt16BigEndian(v6Packet.AsSpan(4), (ushort)(extLength + upper.Length));
        v6Packet[6] = extension ? extensionType : upperProtocol;
        v6Packet[7] = 61;
        src.CopyTo(v6Packet, 8);
        dst.CopyTo(v6Packet, 24);
        if (extension)
        {
            v6Packet[40] = upperProtocol;
            v6Packet[41] = 0;
            v6Packet[42] = 1;      // PadN
            v6Packet[43] = 4;
        }

        upper.CopyTo(v6Packet, 40 + extLength);

        // Transport mode puts ESP after Hop-by-Hop, and (in our engine) in front of Destination Options (RFC 4303 3.1.1).
        int insertion = kind == PacketKind.UdpHopByHop ? 48 : 40;
        byte protocolAtInsertion = kind switch
        {
            PacketKind.UdpHopByHop => ProtoUdp,
            PacketKind.IcmpDestOpt => ProtoDestOpt,
            _ => upperProtocol,
        };
        return new ClearPacket(kind, v6Packet, insertion, protocolAtInsertion);
    }

    private static byte[] PseudoHeader(byte[] src, byte[] dst, byte protocol, int length)
    {
        if (src.Length == 4)
        {
            byte[] p = new byte[12];
            src.CopyTo(p, 0);
            dst.CopyTo(p, 4);
            p[9] = protocol;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), (ushort)length);
            return p;
        }

        byte[] q = new byte[40];
        src.CopyTo(q, 0);
        dst.CopyTo(q, 16);
        BinaryPrimitives.WriteUInt32BigEndian(q.AsSpan(32), (uint)length);
        q[39] = protocol;
        return q;
    }

    /// <summary>RFC 1071 Internet checksum over two spans (the first of even length).</summary>
    public static ushort Checksum(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        ulong sum = Sum(first) + Sum(second);
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private static ulong Sum(ReadOnlySpan<byte> part)
    {
        ulong sum = 0;
        int i = 0;
        for (; i + 1 < part.Length; i += 2)
        {
            sum += (uint)((part[i] << 8) | part[i + 1]);
        }

        if (i < part.Length)
        {
            sum += (uint)(part[i] << 8);
        }

        return sum;
    }
}

/// <summary>A clear packet and what transport-mode ESP sees of it.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Bytes">The whole IP packet.</param>
/// <param name="InsertionOffset">Where transport-mode ESP goes (after IPv4 header / IPv6 header and Hop-by-Hop).</param>
/// <param name="ProtocolAtInsertion">The protocol number of what follows that point (ESP's Next Header in transport mode).</param>
public sealed record ClearPacket(PacketKind Kind, byte[] Bytes, int InsertionOffset, byte ProtocolAtInsertion);
