namespace IpsecFw.Esp.DataPath;

/// <summary>Reads the addresses of an inner IPv4 or IPv6 packet without allocating (RFC 791 3.1, RFC 8200 3).</summary>
internal static class InnerPacket
{
    private const int V4HeaderLength = 20;
    private const int V4SourceOffset = 12;
    private const int V4DestinationOffset = V4SourceOffset + 4;
    private const int V6HeaderLength = 40;
    private const int V6SourceOffset = 8;
    private const int V6DestinationOffset = V6SourceOffset + 16;

    /// <summary>
    /// The source and destination address bytes (4 or 16) and the Next Header value that tunnel-mode ESP carries the
    /// packet under (4 for IPv4, 41 for IPv6); false when the packet is neither.
    /// </summary>
    public static bool TryGetAddresses(ReadOnlySpan<byte> packet, out ReadOnlySpan<byte> source, out ReadOnlySpan<byte> destination, out byte espNextHeader)
    {
        source = default;
        destination = default;
        espNextHeader = 0;
        if (packet.Length >= V4HeaderLength && packet[0] >> 4 == 4)
        {
            source = packet.Slice(V4SourceOffset, 4);
            destination = packet.Slice(V4DestinationOffset, 4);
            espNextHeader = 4;
            return true;
        }

        if (packet.Length >= V6HeaderLength && packet[0] >> 4 == 6)
        {
            source = packet.Slice(V6SourceOffset, 16);
            destination = packet.Slice(V6DestinationOffset, 16);
            espNextHeader = 41;
            return true;
        }

        return false;
    }
}
