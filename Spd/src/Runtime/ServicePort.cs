namespace IpsecFw.Spd.Runtime;

/// <summary>
/// One protocol (and, for TCP/UDP/SCTP, one destination-port range) that a service covers. A service is a list of these.
/// </summary>
/// <param name="AnyProtocol">True for the service <c>*</c>: every protocol and port.</param>
/// <param name="Protocol">The protocol number (ignored when <paramref name="AnyProtocol"/>).</param>
/// <param name="FirstPort">Lowest destination port (0 for protocols without ports).</param>
/// <param name="LastPort">Highest destination port, inclusive (65535 for "all ports").</param>
public readonly record struct ServicePort(bool AnyProtocol, byte Protocol, ushort FirstPort, ushort LastPort)
{
    /// <summary>The service <c>*</c>.</summary>
    public static ServicePort Any => new(true, 0, 0, ushort.MaxValue);

    /// <summary>A protocol with every port (or a protocol without ports).</summary>
    public static ServicePort AllPorts(byte protocol) => new(false, protocol, 0, ushort.MaxValue);

    /// <summary>True when a flow of this protocol to this destination port is covered.</summary>
    public bool Matches(byte protocol, ushort port) =>
        AnyProtocol || (Protocol == protocol && (!IpProtocol.HasPorts(protocol) || (port >= FirstPort && port <= LastPort)));

    /// <summary>True when everything <paramref name="other"/> covers is covered by this.</summary>
    public bool Covers(ServicePort other) =>
        AnyProtocol || (!other.AnyProtocol && other.Protocol == Protocol && other.FirstPort >= FirstPort && other.LastPort <= LastPort);
}
