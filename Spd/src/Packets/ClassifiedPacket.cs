using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Packets;

/// <summary>What <see cref="PacketClassifier.Classify"/> found in one packet. A plain value; no reference to the packet.</summary>
/// <param name="Flow">
/// Addresses, protocol (the upper-layer protocol after every IPv6 extension header), ports, ICMP type. For an ICMP or
/// ICMPv6 echo request or reply both ports hold the echo identifier, so that connection tracking can pair a reply
/// with its request; other ICMP messages have ports 0.
/// </param>
/// <param name="TcpFlags">The TCP control bits; <see cref="TcpFlags.None"/> for other protocols.</param>
/// <param name="IcmpCode">The ICMP or ICMPv6 code; 0 for other protocols.</param>
/// <param name="IsIPv6">True for IPv6.</param>
/// <param name="TransportOffset">Offset of the upper-layer header in the packet (for a fragment: of the fragment's data).</param>
/// <param name="Length">The packet's length as its IP header gives it (bytes beyond it are link padding).</param>
public readonly record struct ClassifiedPacket(
    FlowKey Flow, TcpFlags TcpFlags, byte IcmpCode, bool IsIPv6, int TransportOffset, int Length);
