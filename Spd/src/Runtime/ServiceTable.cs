using System.Collections.Frozen;
using System.Globalization;

namespace IpsecFw.Spd.Runtime;

/// <summary>
/// The well-known service names shipped with IpsecFw, and the explicit forms <c>tcp/25</c>, <c>udp/5000-5100</c>,
/// <c>tcp</c> (every TCP port), <c>udp</c>, <c>sctp</c>, <c>icmp</c>, <c>icmp6</c> and <c>proto/47</c>. The table is
/// reproduced in <c>docs/policy-language.md</c>; a test keeps the two in step.
/// </summary>
public static class ServiceTable
{
    private static readonly FrozenDictionary<string, ServicePort[]> s_names = Build();

    /// <summary>Every well-known name with what it covers, sorted by name.</summary>
    public static IEnumerable<KeyValuePair<string, ServicePort[]>> WellKnown =>
        s_names.OrderBy(kv => kv.Key, StringComparer.Ordinal);

    private static FrozenDictionary<string, ServicePort[]> Build()
    {
        static ServicePort T(ushort port) => new(false, IpProtocol.Tcp, port, port);
        static ServicePort U(ushort port) => new(false, IpProtocol.Udp, port, port);
        var d = new Dictionary<string, ServicePort[]>(StringComparer.Ordinal)
        {
            ["ftp-data"] = [T(20)],
            ["ftp"] = [T(21)],
            ["ssh"] = [T(22)],
            ["telnet"] = [T(23)],
            ["smtp"] = [T(25)],
            ["domain"] = [T(53), U(53)],
            ["dns"] = [T(53), U(53)],
            ["bootps"] = [U(67)],
            ["bootpc"] = [U(68)],
            ["tftp"] = [U(69)],
            ["finger"] = [T(79)],
            ["http"] = [T(80)],
            ["kerberos"] = [T(88), U(88)],
            ["pop3"] = [T(110)],
            ["sunrpc"] = [T(111), U(111)],
            ["ident"] = [T(113)],
            ["nntp"] = [T(119)],
            ["ntp"] = [U(123)],
            ["imap"] = [T(143)],
            ["snmp"] = [U(161)],
            ["snmptrap"] = [U(162)],
            ["bgp"] = [T(179)],
            ["ldap"] = [T(389)],
            ["https"] = [T(443)],
            ["smtps"] = [T(465)],
            ["isakmp"] = [U(500)],
            ["rexec"] = [T(512)],
            ["rlogin"] = [T(513)],
            ["rsh"] = [T(514)],
            ["syslog"] = [U(514)],
            ["submission"] = [T(587)],
            ["ldaps"] = [T(636)],
            ["imaps"] = [T(993)],
            ["pop3s"] = [T(995)],
            ["nfs"] = [T(2049), U(2049)],
            ["mysql"] = [T(3306)],
            ["rdp"] = [T(3389)],
            ["ipsec-nat-t"] = [U(4500)],
            ["postgresql"] = [T(5432)],
            ["x11"] = [T(6000)],
        };
        return d.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// Resolves a service as written in a policy. On failure <paramref name="error"/> is the message to report.
    /// </summary>
    public static bool TryResolve(string text, out ServicePort[] ports, out string error)
    {
        error = string.Empty;
        if (s_names.TryGetValue(text, out ServicePort[]? known))
        {
            ports = known;
            return true;
        }

        ports = [];
        switch (text)
        {
            case "tcp": ports = [ServicePort.AllPorts(IpProtocol.Tcp)]; return true;
            case "udp": ports = [ServicePort.AllPorts(IpProtocol.Udp)]; return true;
            case "sctp": ports = [ServicePort.AllPorts(IpProtocol.Sctp)]; return true;
            case "icmp": ports = [ServicePort.AllPorts(IpProtocol.Icmp)]; return true;
            case "icmp6": ports = [ServicePort.AllPorts(IpProtocol.Icmpv6)]; return true;
        }

        int slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            error = $"unknown service '{text}'";
            return false;
        }

        string kind = text[..slash], rest = text[(slash + 1)..];
        if (kind == "proto")
        {
            if (!TryNumber(rest, 255, out int p))
            {
                error = $"invalid protocol number '{rest}': expected 0-255";
                return false;
            }

            ports = [ServicePort.AllPorts((byte)p)];
            return true;
        }

        byte protocol = kind switch { "tcp" => IpProtocol.Tcp, "udp" => IpProtocol.Udp, "sctp" => IpProtocol.Sctp, _ => 0 };
        if (protocol == 0)
        {
            error = $"unknown service '{text}': expected tcp/PORT, udp/PORT, sctp/PORT or proto/NUMBER";
            return false;
        }

        int dash = rest.IndexOf('-', StringComparison.Ordinal);
        string firstText = dash < 0 ? rest : rest[..dash], lastText = dash < 0 ? rest : rest[(dash + 1)..];
        if (!TryNumber(firstText, 65535, out int first) || first == 0)
        {
            error = $"invalid port '{firstText}': expected 1-65535";
            return false;
        }

        if (!TryNumber(lastText, 65535, out int last) || last == 0)
        {
            error = $"invalid port '{lastText}': expected 1-65535";
            return false;
        }

        if (last < first)
        {
            error = $"port range {first}-{last} is reversed";
            return false;
        }

        ports = [new ServicePort(false, protocol, (ushort)first, (ushort)last)];
        return true;
    }

    private static bool TryNumber(string text, int max, out int value)
    {
        value = 0;
        return text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit)
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= max;
    }
}
