using System.Buffers.Binary;

namespace IpsecFw.Esp.Packet;

/// <summary>
/// Recomputes the TCP or UDP checksum of a packet over its current IP addresses. Used after transport-mode ESP in UDP:
/// a NAT between the peers rewrote the outer addresses, which the upper-layer checksum covers through its
/// pseudo-header, so the receiver fixes it up (RFC 3948 3.1.2). The ICV has already authenticated the segment, so
/// recomputing it is safe.
/// </summary>
internal static class TransportChecksum
{
    private const int TcpChecksumOffset = 16;
    private const int UdpChecksumOffset = 6;

    /// <summary>
    /// Rewrites the checksum of the TCP or UDP segment at <paramref name="l4Offset"/> of <paramref name="packet"/>. Other
    /// protocols, segments too short to hold their header, and IPv4 UDP sent without a checksum (0) are left alone.
    /// </summary>
    public static void Recompute(Span<byte> packet, int l4Offset, bool ipv6, byte protocol)
    {
        Span<byte> segment = packet[l4Offset..];
        int field;
        if (protocol == IpProtocol.Tcp && segment.Length >= 20)
        {
            field = TcpChecksumOffset;
        }
        else if (protocol == IpProtocol.Udp && segment.Length >= 8)
        {
            field = UdpChecksumOffset;
            if (!ipv6 && BinaryPrimitives.ReadUInt16BigEndian(segment[field..]) == 0)
            {
                return;
            }
        }
        else
        {
            return;
        }

        segment[field] = 0;
        segment[field + 1] = 0;
        uint sum = ipv6
            ? InternetChecksum.Add(InternetChecksum.Add(0, packet.Slice(8, 16)), packet.Slice(24, 16))
            : InternetChecksum.Add(0, packet.Slice(12, 8));
        sum += (uint)segment.Length + protocol;
        sum = InternetChecksum.Add(sum, segment);
        ushort checksum = InternetChecksum.Finish(sum);
        if (protocol == IpProtocol.Udp && checksum == 0)
        {
            checksum = 0xFFFF;   // RFC 768: a computed 0 is sent as all ones
        }

        BinaryPrimitives.WriteUInt16BigEndian(segment[field..], checksum);
    }
}
