using System.Globalization;
using System.Net;
using IpsecFw.Host.Configuration;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Cli;

/// <summary>
/// A flow written on the command line: <c>PROTOCOL SOURCE -&gt; DESTINATION</c>, where the protocol is <c>tcp</c>,
/// <c>udp</c>, <c>sctp</c> (endpoints <c>ADDRESS:PORT</c>, IPv6 as <c>[ADDRESS]:PORT</c>), <c>icmp</c> or <c>icmp6</c>
/// (endpoints are bare addresses), e.g. <c>tcp 198.18.1.2:1234 -&gt; 198.18.2.3:25</c>.
/// </summary>
internal sealed record FlowSpec(byte Protocol, string ProtocolName, IPAddress Source, ushort SourcePort, IPAddress Destination, ushort DestinationPort)
{
    public FlowKey Key => FlowKey.Create(Source, Destination, Protocol, SourcePort, DestinationPort);

    public static bool TryParse(string text, out FlowSpec? flow, out string error)
    {
        flow = null;
        string[] parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 4 || parts[2] != "->")
        {
            error = $"'{text}' is not a flow; write it as \"tcp 198.18.1.2:1234 -> 198.18.2.3:25\"";
            return false;
        }

        (byte protocol, bool ports) = parts[0].ToLowerInvariant() switch
        {
            "tcp" => (IpProtocol.Tcp, true),
            "udp" => (IpProtocol.Udp, true),
            "sctp" => (IpProtocol.Sctp, true),
            "icmp" => (IpProtocol.Icmp, false),
            "icmp6" or "ipv6-icmp" => (IpProtocol.Icmpv6, false),
            _ => ((byte)0, false),
        };
        if (protocol == 0)
        {
            error = $"'{parts[0]}' is not a protocol (tcp, udp, sctp, icmp, icmp6)";
            return false;
        }

        if (!TryEndpoint(parts[1], ports, out IPAddress? source, out ushort sourcePort, out error)
            || !TryEndpoint(parts[3], ports, out IPAddress? destination, out ushort destinationPort, out error))
        {
            return false;
        }

        if (source.AddressFamily != destination.AddressFamily)
        {
            error = "the source and destination are of different IP versions";
            return false;
        }

        flow = new FlowSpec(protocol, parts[0].ToLowerInvariant(), source, sourcePort, destination, destinationPort);
        return true;
    }

    private static bool TryEndpoint(string text, bool ports, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address,
        out ushort port, out string error)
    {
        address = null;
        port = 0;
        error = string.Empty;
        string host = text;
        if (ports)
        {
            int colon = text.LastIndexOf(':');
            if (colon < 0 || (text.Contains('[', StringComparison.Ordinal) && text[colon - 1] != ']'))
            {
                error = $"'{text}' needs a port (ADDRESS:PORT, or [IPv6]:PORT)";
                return false;
            }

            if (!ushort.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port))
            {
                error = $"'{text[(colon + 1)..]}' is not a port";
                return false;
            }

            host = text[..colon];
            if (host.StartsWith('[') && host.EndsWith(']'))
            {
                host = host[1..^1];
            }
        }

        if (!IpPrefix.TryParseAddress(host, out address))
        {
            error = $"'{host}' is not an IP address";
            return false;
        }

        return true;
    }

    public override string ToString() => IpProtocol.HasPorts(Protocol)
        ? $"{ProtocolName} {Endpoint(Source, SourcePort)} -> {Endpoint(Destination, DestinationPort)}"
        : $"{ProtocolName} {Source} -> {Destination}";

    private static string Endpoint(IPAddress a, ushort port) =>
        a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{a}]:{port}" : $"{a}:{port}";
}
