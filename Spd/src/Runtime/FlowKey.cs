using System.Net;

namespace IpsecFw.Spd.Runtime;

/// <summary>
/// One packet's flow, as the SPD sees it: addresses in the 128-bit form of <see cref="IpAddressCodec"/>, protocol,
/// ports (zero for protocols without ports) and the ICMP type (zero otherwise). For a decision the service port is
/// <see cref="DestinationPort"/>: the port of the side that accepted the connection.
/// </summary>
/// <param name="Source">Source address.</param>
/// <param name="Destination">Destination address.</param>
/// <param name="Protocol">IANA protocol number.</param>
/// <param name="SourcePort">Source port (TCP, UDP, SCTP).</param>
/// <param name="DestinationPort">Destination port (TCP, UDP, SCTP).</param>
/// <param name="IcmpType">ICMP or ICMPv6 type.</param>
public readonly record struct FlowKey(
    UInt128 Source, UInt128 Destination, byte Protocol, ushort SourcePort, ushort DestinationPort, byte IcmpType = 0)
{
    /// <summary>Builds a key from <see cref="IPAddress"/>es (for tests and the control plane).</summary>
    public static FlowKey Create(IPAddress source, IPAddress destination, byte protocol, ushort sourcePort = 0,
        ushort destinationPort = 0, byte icmpType = 0) =>
        new(IpAddressCodec.FromIPAddress(source), IpAddressCodec.FromIPAddress(destination), protocol, sourcePort,
            destinationPort, icmpType);
}
