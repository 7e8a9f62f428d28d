using System.Buffers.Binary;

namespace IpsecFw.Ike.Tests.Harness;

/// <summary>One UDP datagram from a capture, to or from port 500 or 4500.</summary>
/// <param name="Frame">1-based frame number, as tcpdump prints it.</param>
/// <param name="SourcePort">UDP source port.</param>
/// <param name="DestinationPort">UDP destination port.</param>
/// <param name="Payload">The UDP payload; on port 4500 with the non-ESP marker removed.</param>
/// <param name="Kind">IKE, ESP or NAT keep-alive.</param>
internal sealed record CapturedDatagram(int Frame, int SourcePort, int DestinationPort, byte[] Payload, DatagramKind Kind);

/// <summary>What a UDP/500 or UDP/4500 datagram carries (RFC 3948 2.2 demux).</summary>
internal enum DatagramKind
{
    Ike,
    Esp,
    NatKeepalive,
}

/// <summary>
/// A tiny reader of classic pcap files (either byte order, micro- or nanosecond): Ethernet (with 802.1Q) and Linux SLL
/// link types, BSD loopback (LINKTYPE_NULL, which tcpdump's IKEv2 captures use), IPv4 without fragments, UDP to or from 500/4500. Enough for tcpdump's test captures; not a general tool.
/// </summary>
internal static class PcapReader
{
    private const uint MagicMicro = 0xa1b2c3d4;
    private const uint MagicNano = 0xa1b23c4d;
    private const int GlobalHeaderSize = 24;
    private const int RecordHeaderSize = 16;
    private const int LinkTypeNull = 0;
    private const int LinkTypeEthernet = 1;
    private const int LinkTypeLinuxSll = 113;
    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeVlan = 0x8100;
    private const byte ProtocolUdp = 17;

    public static List<CapturedDatagram> ReadIkeDatagrams(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        var result = new List<CapturedDatagram>();
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        bool little = magic is MagicMicro or MagicNano;
        if (!little && BinaryPrimitives.ReadUInt32BigEndian(file) is not (MagicMicro or MagicNano))
        {
            throw new InvalidDataException($"{path}: not a classic pcap file");
        }

        int linkType = (int)Read32(file.AsSpan(20), little);
        int offset = GlobalHeaderSize;
        int frame = 0;
        while (offset + RecordHeaderSize <= file.Length)
        {
            frame++;
            int captured = (int)Read32(file.AsSpan(offset + 8), little);
            int original = (int)Read32(file.AsSpan(offset + 12), little);
            offset += RecordHeaderSize;
            if (captured < 0 || offset + captured > file.Length)
            {
                throw new InvalidDataException($"{path}: frame {frame} runs past the end of the file");
            }

            ReadOnlySpan<byte> packet = file.AsSpan(offset, captured);
            offset += captured;
            if (captured == original && TryGetUdp(packet, linkType, out int sport, out int dport, out ReadOnlySpan<byte> udp) &&
                (sport is 500 or 4500 || dport is 500 or 4500))
            {
                Classify(result, frame, sport, dport, udp);
            }
        }

        return result;
    }

    private static void Classify(List<CapturedDatagram> result, int frame, int sport, int dport, ReadOnlySpan<byte> udp)
    {
        if (sport != 4500 && dport != 4500)
        {
            result.Add(new CapturedDatagram(frame, sport, dport, udp.ToArray(), DatagramKind.Ike));
        }
        else if (udp.Length == 1 && udp[0] == 0xff)
        {
            result.Add(new CapturedDatagram(frame, sport, dport, udp.ToArray(), DatagramKind.NatKeepalive));
        }
        else if (udp.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(udp) == 0)
        {
            result.Add(new CapturedDatagram(frame, sport, dport, udp[4..].ToArray(), DatagramKind.Ike));
        }
        else
        {
            result.Add(new CapturedDatagram(frame, sport, dport, udp.ToArray(), DatagramKind.Esp));
        }
    }

    private static bool TryGetUdp(ReadOnlySpan<byte> packet, int linkType, out int sport, out int dport, out ReadOnlySpan<byte> udp)
    {
        sport = dport = 0;
        udp = default;
        int ipOffset;
        ushort etherType;
        switch (linkType)
        {
            case LinkTypeNull when packet.Length >= 4:
                // A 4-byte address family in the capturing host's byte order; 2 is AF_INET everywhere.
                etherType = packet[0] == 2 || packet[3] == 2 ? EtherTypeIpv4 : (ushort)0;
                ipOffset = 4;
                break;
            case LinkTypeEthernet when packet.Length >= 14:
                etherType = BinaryPrimitives.ReadUInt16BigEndian(packet[12..]);
                ipOffset = 14;
                if (etherType == EtherTypeVlan && packet.Length >= 18)
                {
                    etherType = BinaryPrimitives.ReadUInt16BigEndian(packet[16..]);
                    ipOffset = 18;
                }

                break;
            case LinkTypeLinuxSll when packet.Length >= 16:
                etherType = BinaryPrimitives.ReadUInt16BigEndian(packet[14..]);
                ipOffset = 16;
                break;
            default:
                return false;
        }

        ReadOnlySpan<byte> ip = packet[ipOffset..];
        if (etherType != EtherTypeIpv4 || ip.Length < 20 || ip[0] >> 4 != 4 || ip[9] != ProtocolUdp)
        {
            return false;
        }

        int headerLength = (ip[0] & 0x0f) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3fff) != 0;
        if (fragment || totalLength > ip.Length || headerLength + 8 > totalLength)
        {
            return false;
        }

        ReadOnlySpan<byte> udpHeader = ip[headerLength..totalLength];
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(udpHeader[4..]);
        if (udpLength < 8 || udpLength > udpHeader.Length)
        {
            return false;
        }

        sport = BinaryPrimitives.ReadUInt16BigEndian(udpHeader);
        dport = BinaryPrimitives.ReadUInt16BigEndian(udpHeader[2..]);
        udp = udpHeader[8..udpLength];
        return true;
    }

    private static uint Read32(ReadOnlySpan<byte> source, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(source) : BinaryPrimitives.ReadUInt32BigEndian(source);
}
