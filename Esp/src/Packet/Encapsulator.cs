using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.Packet;

/// <summary>
/// Builds whole outbound ESP packets in place around a packet in a caller's buffer: tunnel mode (RFC 4303 3.1.2, a new
/// outer IPv4 or IPv6 header) and transport mode (RFC 4303 3.1.1, ESP inserted behind the original IP header), either
/// as raw ESP (IP protocol 50) or inside UDP (RFC 3948). Never allocates, never throws on packet content.
/// </summary>
/// <remarks>
/// The buffer needs <see cref="MaxHeadroom"/> bytes in front of the packet and <see cref="EspSa.TrailerSize"/> behind
/// it. Where the packet goes out through a UDP socket (the usual NAT-T case), use <see cref="EspSa.Seal"/> directly: the
/// kernel adds the IP and UDP headers.
/// </remarks>
public static class Encapsulator
{
    /// <summary>Outer IPv6 header, UDP header, ESP header and IV: the most any mode adds in front.</summary>
    public const int MaxHeadroom = Ipv6HeaderSize + UdpEncapsulation.UdpHeaderSize + EspSa.PayloadOffset;

    internal const int Ipv4HeaderSize = 20;
    internal const int Ipv6HeaderSize = 40;
    private const byte DefaultTtl = 64;

    /// <summary>
    /// Tunnel mode: the IP packet at <paramref name="offset"/> becomes the ESP payload (Next Header 4 or 41), behind an
    /// outer header from the SA's <see cref="EspSaConfig.LocalAddress"/> to <see cref="EspSaConfig.RemoteAddress"/>.
    /// DSCP and ECN are copied from the inner header (RFC 4301 5.1.2.1, RFC 6040 normal mode).
    /// </summary>
    public static EspStatus EncapsulateTunnel(EspSa sa, Span<byte> buffer, int offset, int length, out int packetOffset, out int packetLength)
    {
        packetOffset = 0;
        packetLength = 0;
        ArgumentNullException.ThrowIfNull(sa);
        if ((uint)offset > (uint)buffer.Length || (uint)length > (uint)(buffer.Length - offset) || length < 1)
        {
            return sa.Drop(EspStatus.Truncated);
        }

        IPAddress? local = sa.Config.LocalAddress;
        IPAddress? remote = sa.Config.RemoteAddress;
        if (local is null || remote is null || local.AddressFamily != remote.AddressFamily)
        {
            return sa.Drop(EspStatus.Malformed);
        }

        ReadOnlySpan<byte> inner = buffer.Slice(offset, length);
        byte nextHeader;
        byte trafficClass;
        switch (inner[0] >> 4)
        {
            case 4 when length >= Ipv4HeaderSize:
                nextHeader = IpProtocol.IPv4;
                trafficClass = inner[1];
                break;
            case 6 when length >= Ipv6HeaderSize:
                nextHeader = IpProtocol.IPv6;
                trafficClass = (byte)(BinaryPrimitives.ReadUInt16BigEndian(inner) >> 4);
                break;
            default:
                return sa.Drop(EspStatus.BadInnerPacket);
        }

        bool v6 = local.AddressFamily == AddressFamily.InterNetworkV6;
        int udp = sa.Config.UdpEncapsulation is null ? 0 : UdpEncapsulation.UdpHeaderSize;
        int outer = (v6 ? Ipv6HeaderSize : Ipv4HeaderSize) + udp;
        if (offset < outer + EspSa.PayloadOffset)
        {
            return sa.Drop(EspStatus.NoBufferSpace);
        }

        EspStatus status = sa.Seal(buffer, offset, length, nextHeader, out int espOffset, out int espLength);
        if (status != EspStatus.Ok)
        {
            return status;
        }

        int start = espOffset - outer;
        int total = outer + espLength;
        if (!v6 && total > ushort.MaxValue)
        {
            return sa.Drop(EspStatus.NoBufferSpace);
        }

        Span<byte> packet = buffer.Slice(start, total);
        WriteOuterHeader(sa, packet, v6, local, remote, trafficClass, udp != 0 ? IpProtocol.Udp : IpProtocol.Esp);
        if (udp != 0)
        {
            WriteUdp(sa, packet, v6);
        }

        packetOffset = start;
        packetLength = total;
        return EspStatus.Ok;
    }

    /// <summary>
    /// Transport mode: ESP goes between the IP header of the packet at <paramref name="offset"/> and its payload. The IP
    /// header moves forward into the headroom; IPv6 Hop-by-Hop and Routing headers stay in front of ESP (RFC 4303 3.1.1).
    /// Fragments cannot be protected in transport mode and are refused.
    /// </summary>
    public static EspStatus EncapsulateTransport(EspSa sa, Span<byte> buffer, int offset, int length, out int packetOffset, out int packetLength)
    {
        packetOffset = 0;
        packetLength = 0;
        ArgumentNullException.ThrowIfNull(sa);
        if ((uint)offset > (uint)buffer.Length || (uint)length > (uint)(buffer.Length - offset) || length < 1)
        {
            return sa.Drop(EspStatus.Truncated);
        }

        if (!IpHeaderChain.TryParse(buffer.Slice(offset, length), out IpHeaderChain chain) || chain.IsFragment)
        {
            return sa.Drop(EspStatus.BadInnerPacket);
        }

        int udp = sa.Config.UdpEncapsulation is null ? 0 : UdpEncapsulation.UdpHeaderSize;
        int shift = udp + EspSa.PayloadOffset;
        if (offset < shift)
        {
            return sa.Drop(EspStatus.NoBufferSpace);
        }

        // The headers in front of ESP move forward; the payload stays where it is and is sealed in place.
        int headerLength = chain.InsertionOffset;
        int payloadOffset = offset + headerLength;
        int payloadLength = chain.TotalLength - headerLength;
        byte protocol = buffer[offset + chain.NextHeaderFieldOffset];
        int start = offset - shift;
        buffer.Slice(offset, headerLength).CopyTo(buffer[start..]);

        EspStatus status = sa.Seal(buffer, payloadOffset, payloadLength, protocol, out int espOffset, out int espLength);
        if (status != EspStatus.Ok)
        {
            // Put the header back so the caller's packet is intact.
            buffer.Slice(start, headerLength).CopyTo(buffer[offset..]);
            return status;
        }

        int total = headerLength + udp + espLength;
        if (chain.IsIPv6 ? total - Ipv6HeaderSize > ushort.MaxValue : total > ushort.MaxValue)
        {
            return sa.Drop(EspStatus.NoBufferSpace);
        }

        Span<byte> packet = buffer.Slice(start, total);
        packet[chain.NextHeaderFieldOffset] = udp != 0 ? IpProtocol.Udp : IpProtocol.Esp;
        if (chain.IsIPv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(total - Ipv6HeaderSize));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)total);
            FixIpv4Checksum(packet[..headerLength]);
        }

        if (udp != 0)
        {
            Span<byte> udpHeader = packet.Slice(headerLength, udp + espLength);
            UdpEncapsulationPorts ports = sa.Config.UdpEncapsulation!.Value;
            UdpEncapsulation.WriteHeader(udpHeader, ports.LocalPort, ports.RemotePort, udpHeader.Length);
            if (chain.IsIPv6)
            {
                BinaryPrimitives.WriteUInt16BigEndian(udpHeader[6..], UdpChecksumV6(packet[8..24], packet[24..40], udpHeader));
            }
        }

        packetOffset = start;
        packetLength = total;
        return EspStatus.Ok;
    }

    private static void WriteOuterHeader(EspSa sa, Span<byte> packet, bool v6, IPAddress local, IPAddress remote, byte trafficClass, byte protocol)
    {
        if (v6)
        {
            // RFC 8200 3: version 6, traffic class, flow label 0.
            BinaryPrimitives.WriteUInt32BigEndian(packet, (6u << 28) | ((uint)trafficClass << 20));
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(packet.Length - Ipv6HeaderSize));
            packet[6] = protocol;
            packet[7] = DefaultTtl;
            local.TryWriteBytes(packet.Slice(8, 16), out _);
            remote.TryWriteBytes(packet.Slice(24, 16), out _);
            return;
        }

        // RFC 791 3.1. The outer header never sets DF: path MTU is the IKE layer's business (RFC 4301 8.1).
        packet[0] = 0x45;
        packet[1] = trafficClass;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet[4..], sa.NextIpId());
        BinaryPrimitives.WriteUInt16BigEndian(packet[6..], 0);
        packet[8] = DefaultTtl;
        packet[9] = protocol;
        local.TryWriteBytes(packet.Slice(12, 4), out _);
        remote.TryWriteBytes(packet.Slice(16, 4), out _);
        FixIpv4Checksum(packet[..Ipv4HeaderSize]);
    }

    private static void WriteUdp(EspSa sa, Span<byte> packet, bool v6)
    {
        int ipLength = v6 ? Ipv6HeaderSize : Ipv4HeaderSize;
        Span<byte> udp = packet[ipLength..];
        UdpEncapsulationPorts ports = sa.Config.UdpEncapsulation!.Value;
        UdpEncapsulation.WriteHeader(udp, ports.LocalPort, ports.RemotePort, udp.Length);
        if (v6)
        {
            // RFC 3948 2.1 lets IPv4 send a zero checksum; IPv6 needs a real one (RFC 8200 8.1).
            BinaryPrimitives.WriteUInt16BigEndian(udp[6..], UdpChecksumV6(packet[8..24], packet[24..40], udp));
        }
    }

    internal static void FixIpv4Checksum(Span<byte> header)
    {
        header[10] = 0;
        header[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
    }

    internal static ushort UdpChecksumV6(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, ReadOnlySpan<byte> udp)
    {
        // RFC 8200 8.1 pseudo-header: source, destination, upper-layer length, next header.
        uint sum = InternetChecksum.Add(0, source);
        sum = InternetChecksum.Add(sum, destination);
        sum += (uint)udp.Length + IpProtocol.Udp;
        sum = InternetChecksum.Add(sum, udp[..6]);
        sum = InternetChecksum.Add(sum, udp[8..]);
        ushort checksum = InternetChecksum.Finish(sum);
        return checksum == 0 ? (ushort)0xFFFF : checksum;
    }
}
