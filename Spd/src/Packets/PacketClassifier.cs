using System.Buffers.Binary;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Packets;

/// <summary>
/// Parses an IPv4 (RFC 791) or IPv6 (RFC 8200) packet, through the IPv6 extension header chain, into the
/// <see cref="FlowKey"/> the SPD decides on and connection tracking keys on. Never throws, allocates nothing, reads
/// only inside the span and inside the length the IP header announces; every malformation is a
/// <see cref="ClassifyStatus"/>. Stateless and thread-safe.
/// </summary>
public static class PacketClassifier
{
    /// <summary>Most IPv6 extension headers walked before the packet is refused (a chain of hundreds is an attack).</summary>
    public const int MaxExtensionHeaders = 16;

    private const byte Icmpv4EchoReply = 0;
    private const byte Icmpv4EchoRequest = 8;
    private const byte Icmpv6EchoRequest = 128;
    private const byte Icmpv6EchoReply = 129;

    /// <summary>Classifies one packet; see <see cref="ClassifyStatus"/> for the outcomes.</summary>
    public static ClassifyStatus Classify(ReadOnlySpan<byte> packet, out ClassifiedPacket result)
    {
        result = default;
        if (packet.IsEmpty)
        {
            return ClassifyStatus.TruncatedIpHeader;
        }

        return (packet[0] >> 4) switch
        {
            4 => ClassifyV4(packet, out result),
            6 => ClassifyV6(packet, out result),
            _ => ClassifyStatus.UnknownVersion,
        };
    }

    private static ClassifyStatus ClassifyV4(ReadOnlySpan<byte> packet, out ClassifiedPacket result)
    {
        result = default;
        if (packet.Length < IpHeaders.V4MinHeader)
        {
            return ClassifyStatus.TruncatedIpHeader;
        }

        int headerLength = (packet[0] & 0x0F) * 4;
        if (headerLength < IpHeaders.V4MinHeader || headerLength > packet.Length)
        {
            return ClassifyStatus.BadHeaderLength;
        }

        int total = BinaryPrimitives.ReadUInt16BigEndian(packet[IpHeaders.V4TotalLengthOffset..]);
        if (total < headerLength || total > packet.Length)
        {
            return ClassifyStatus.BadTotalLength;
        }

        UInt128 source = IpAddressCodec.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(packet[IpHeaders.V4SourceOffset..]));
        UInt128 destination = IpAddressCodec.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(packet[IpHeaders.V4DestinationOffset..]));
        byte protocol = packet[IpHeaders.V4ProtocolOffset];
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(packet[IpHeaders.V4FlagsOffset..]);
        if ((flags & (IpHeaders.V4MoreFragments | IpHeaders.V4OffsetMask)) != 0)
        {
            result = new ClassifiedPacket(new FlowKey(source, destination, protocol, 0, 0), TcpFlags.None, 0, false, headerLength, total);
            return ClassifyStatus.Fragment;
        }

        return Transport(packet[..total], headerLength, source, destination, protocol, isIPv6: false, out result);
    }

    private static ClassifyStatus ClassifyV6(ReadOnlySpan<byte> packet, out ClassifiedPacket result)
    {
        result = default;
        if (packet.Length < IpHeaders.V6Header)
        {
            return ClassifyStatus.TruncatedIpHeader;
        }

        int payload = BinaryPrimitives.ReadUInt16BigEndian(packet[IpHeaders.V6PayloadLengthOffset..]);
        if (payload == 0)
        {
            return ClassifyStatus.Jumbogram;
        }

        int total = IpHeaders.V6Header + payload;
        if (total > packet.Length)
        {
            return ClassifyStatus.BadTotalLength;
        }

        packet = packet[..total];
        UInt128 source = BinaryPrimitives.ReadUInt128BigEndian(packet[IpHeaders.V6SourceOffset..]);
        UInt128 destination = BinaryPrimitives.ReadUInt128BigEndian(packet[IpHeaders.V6DestinationOffset..]);
        byte next = packet[IpHeaders.V6NextHeaderOffset];
        int offset = IpHeaders.V6Header;
        for (int count = 0; ; count++)
        {
            if (count > MaxExtensionHeaders)
            {
                return ClassifyStatus.TooManyExtensionHeaders;
            }

            if (next == IpHeaders.HopByHop && count > 0)
            {
                return ClassifyStatus.HopByHopNotFirst;
            }

            if (next == IpHeaders.Fragment)
            {
                if (offset + IpHeaders.V6FragmentHeader > packet.Length)
                {
                    return ClassifyStatus.TruncatedExtensionHeader;
                }

                var fragmentFlow = new FlowKey(source, destination, packet[offset], 0, 0);
                result = new ClassifiedPacket(fragmentFlow, TcpFlags.None, 0, true, offset + IpHeaders.V6FragmentHeader, total);
                return ClassifyStatus.Fragment;
            }

            int length;
            if (IpHeaders.IsGenericExtension(next))
            {
                length = offset + 2 <= packet.Length ? (packet[offset + 1] + 1) * 8 : -1;
            }
            else if (next == IpHeaders.Ah)
            {
                // RFC 4302 2.2: Payload Len is the AH length in 4-octet units, minus 2.
                length = offset + 2 <= packet.Length ? (packet[offset + 1] + 2) * 4 : -1;
            }
            else
            {
                break; // an upper-layer protocol (or ESP, or No Next Header): the chain ends here
            }

            if (length < 0 || offset + length > packet.Length)
            {
                return ClassifyStatus.TruncatedExtensionHeader;
            }

            next = packet[offset];
            offset += length;
        }

        return Transport(packet, offset, source, destination, next, isIPv6: true, out result);
    }

    private static ClassifyStatus Transport(ReadOnlySpan<byte> packet, int offset, UInt128 source, UInt128 destination,
        byte protocol, bool isIPv6, out ClassifiedPacket result)
    {
        result = default;
        ReadOnlySpan<byte> l4 = packet[offset..];
        if (l4.Length < IpHeaders.MinTransportHeader(protocol))
        {
            return ClassifyStatus.TruncatedTransportHeader;
        }

        ushort sourcePort = 0, destinationPort = 0;
        byte icmpType = 0, icmpCode = 0;
        TcpFlags tcpFlags = TcpFlags.None;
        switch (protocol)
        {
            case IpProtocol.Tcp:
                int dataOffset = (l4[12] >> 4) * 4;
                if (dataOffset < 20 || dataOffset > l4.Length)
                {
                    return ClassifyStatus.BadTcpDataOffset;
                }

                sourcePort = BinaryPrimitives.ReadUInt16BigEndian(l4);
                destinationPort = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
                tcpFlags = (TcpFlags)l4[13];
                break;
            case IpProtocol.Udp or IpProtocol.Sctp:
                sourcePort = BinaryPrimitives.ReadUInt16BigEndian(l4);
                destinationPort = BinaryPrimitives.ReadUInt16BigEndian(l4[2..]);
                break;
            case IpProtocol.Icmp or IpProtocol.Icmpv6:
                icmpType = l4[0];
                icmpCode = l4[1];
                if (IsEcho(protocol, icmpType))
                {
                    sourcePort = destinationPort = BinaryPrimitives.ReadUInt16BigEndian(l4[4..]);
                }

                break;
        }

        var flow = new FlowKey(source, destination, protocol, sourcePort, destinationPort, icmpType);
        result = new ClassifiedPacket(flow, tcpFlags, icmpCode, isIPv6, offset, packet.Length);
        return ClassifyStatus.Ok;
    }

    /// <summary>True for an ICMP echo request or reply (types 8 and 0; ICMPv6 128 and 129).</summary>
    public static bool IsEcho(byte protocol, byte type) =>
        protocol == IpProtocol.Icmp ? type is Icmpv4EchoRequest or Icmpv4EchoReply
        : protocol == IpProtocol.Icmpv6 && type is Icmpv6EchoRequest or Icmpv6EchoReply;

    /// <summary>True for an ICMP echo request (type 8; ICMPv6 128).</summary>
    public static bool IsEchoRequest(byte protocol, byte type) =>
        (protocol == IpProtocol.Icmp && type == Icmpv4EchoRequest) || (protocol == IpProtocol.Icmpv6 && type == Icmpv6EchoRequest);
}
