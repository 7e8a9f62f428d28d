using IpsecFw.Spd.Packets;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// The SPD's packet classifier (<see cref="PacketClassifier.Classify"/>): IPv4 and IPv6 headers, extension header
/// chains, fragments, and the TCP/UDP/ICMP header fields of the flow key. The input is one IP packet in a buffer of
/// exactly its size (an over-read throws). A classified packet must have its transport header inside the packet.
/// </summary>
internal sealed class PacketClassifierFuzzer : IFuzzer
{
    public string Name => "PacketClassifier";

    public string Description => "Spd: PacketClassifier.Classify on one IPv4/IPv6 packet";

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        ClassifyStatus status = PacketClassifier.Classify(input, out ClassifiedPacket packet);
        if (!Enum.IsDefined(status))
        {
            throw new FuzzInvariantException($"undefined status {(int)status}");
        }

        if (status != ClassifyStatus.Ok)
        {
            return;
        }

        if (packet.TransportOffset < 20 || packet.TransportOffset > packet.Length || packet.Length > input.Length)
        {
            throw new FuzzInvariantException($"transport offset {packet.TransportOffset} / length {packet.Length} outside a {input.Length}-byte packet");
        }

        if (packet.IsIPv6 != ((input[0] >> 4) == 6))
        {
            throw new FuzzInvariantException($"IsIPv6={packet.IsIPv6} for version {input[0] >> 4}");
        }
    }
}
