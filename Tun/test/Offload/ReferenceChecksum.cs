namespace IpsecFw.Tun.Tests.Offload;

/// <summary>
/// A deliberately plain RFC 1071 checksum, written apart from the code under test (one 16-bit word at a time, the carry
/// folded at the end), to check what the splitter and the coalescer compute.
/// </summary>
internal static class ReferenceChecksum
{
    /// <summary>Sums 16-bit big-endian words; an odd last byte is the high half of a word.</summary>
    public static long Sum(ReadOnlySpan<byte> data)
    {
        long sum = 0;
        for (int i = 0; i < data.Length; i += 2)
        {
            int hi = data[i];
            int lo = i + 1 < data.Length ? data[i + 1] : 0;
            sum += (hi << 8) | lo;
        }

        return sum;
    }

    public static int Fold(long sum)
    {
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (int)sum;
    }

    /// <summary>True when the IPv4 header (IHL from the packet) sums to all ones.</summary>
    public static bool Ipv4HeaderValid(byte[] packet) => Fold(Sum(packet.AsSpan(0, (packet[0] & 0xF) * 4))) == 0xFFFF;

    /// <summary>The TCP pseudo-header's sum for the packet's addresses and a TCP length.</summary>
    public static long PseudoHeader(byte[] packet, int tcpLength)
    {
        bool v6 = packet[0] >> 4 == 6;
        long sum = v6 ? Sum(packet.AsSpan(8, 32)) : Sum(packet.AsSpan(12, 8));
        return sum + 6 + tcpLength;
    }

    /// <summary>True when the TCP segment behind an IPv4 header without options or an IPv6 header verifies.</summary>
    public static bool TcpValid(byte[] packet)
    {
        int ip = packet[0] >> 4 == 6 ? 40 : (packet[0] & 0xF) * 4;
        int tcpLength = packet.Length - ip;
        return Fold(PseudoHeader(packet, tcpLength) + Sum(packet.AsSpan(ip))) == 0xFFFF;
    }
}
