using System.Buffers.Binary;

namespace IpsecFw.Esp.Packet;

/// <summary>
/// The IP header (and, for IPv6, the extension headers in front of the upper layer) of one packet: where it ends, which
/// byte names the protocol that follows, whether the packet is a fragment. Parsing never throws: a malformed header
/// makes <see cref="TryParse"/> return false.
/// </summary>
internal readonly struct IpHeaderChain
{
    private IpHeaderChain(bool ipv6, int totalLength, int insertionOffset, int nextHeaderFieldOffset, bool fragment)
    {
        IsIPv6 = ipv6;
        TotalLength = totalLength;
        InsertionOffset = insertionOffset;
        NextHeaderFieldOffset = nextHeaderFieldOffset;
        IsFragment = fragment;
    }

    /// <summary>True for IPv6.</summary>
    public bool IsIPv6 { get; }

    /// <summary>The packet's length by its own header (bytes after it, such as link padding, are not part of it).</summary>
    public int TotalLength { get; }

    /// <summary>Where the upper layer (or ESP) starts: after the IPv4 header, or after the IPv6 headers walked.</summary>
    public int InsertionOffset { get; }

    /// <summary>The offset of the byte that holds the protocol number of what starts at <see cref="InsertionOffset"/>.</summary>
    public int NextHeaderFieldOffset { get; }

    /// <summary>True if the packet is a fragment (IPv4 MF or offset, or an IPv6 Fragment header on the way).</summary>
    public bool IsFragment { get; }

    /// <summary>The protocol that starts at <see cref="InsertionOffset"/>, read from <paramref name="packet"/>.</summary>
    public byte Protocol(ReadOnlySpan<byte> packet) => packet[NextHeaderFieldOffset];

    /// <summary>
    /// Parses the headers. IPv6 Hop-by-Hop and Routing headers are always walked; Destination Options only when
    /// <paramref name="walkDestinationOptions"/> is set (transport-mode ESP goes in front of them, RFC 4303 3.1.1).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out IpHeaderChain chain, bool walkDestinationOptions = false)
    {
        chain = default;
        if (packet.IsEmpty)
        {
            return false;
        }

        int version = packet[0] >> 4;
        if (version == 4)
        {
            // RFC 791 3.1
            if (packet.Length < 20)
            {
                return false;
            }

            int ihl = (packet[0] & 0x0F) * 4;
            int total = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
            if (ihl < 20 || total < ihl || total > packet.Length)
            {
                return false;
            }

            ushort fragment = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
            bool isFragment = (fragment & 0x3FFF) != 0;    // MF flag or a non-zero offset
            chain = new IpHeaderChain(false, total, ihl, 9, isFragment);
            return true;
        }

        if (version != 6 || packet.Length < 40)
        {
            return false;
        }

        // RFC 8200 3 and 4. A payload length of 0 would mean a jumbogram (RFC 2675): not supported.
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        int length = 40 + payloadLength;
        if (payloadLength == 0 || length > packet.Length)
        {
            return false;
        }

        int offset = 40;
        int field = 6;
        for (int hops = 0; hops < 8; hops++)
        {
            byte next = packet[field];
            bool walk = next is IpProtocol.HopByHop or IpProtocol.Routing
                || (next == IpProtocol.DestinationOptions && walkDestinationOptions);
            if (next == IpProtocol.Fragment)
            {
                chain = new IpHeaderChain(true, length, offset, field, true);
                return true;
            }

            if (!walk)
            {
                chain = new IpHeaderChain(true, length, offset, field, false);
                return true;
            }

            if (offset + 2 > length)
            {
                return false;
            }

            int extLength = (packet[offset + 1] + 1) * 8;
            if (offset + extLength > length)
            {
                return false;
            }

            field = offset;
            offset += extLength;
        }

        return false;
    }
}
