using System.Globalization;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Ike.Sa;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Events;

/// <summary>
/// Turns an <see cref="IdsEvent"/> into its fields and sentence (on the writer's thread: this allocates). The fields
/// are the same for the JSON lines and the syslog STRUCTURED-DATA (docs/configuration.md, "events").
/// </summary>
internal static class EventRenderer
{
    /// <summary>Severity warning (RFC 5424 6.2.1): a denial, a refused peer.</summary>
    public const int Warning = 4;

    /// <summary>Severity notice: a summary of suppressed events.</summary>
    public const int Notice = 5;

    /// <summary>Text values are cut to this many characters (a certificate subject could be long).</summary>
    public const int MaxTextLength = 256;

    public static RenderedEvent Render(in IdsEvent e)
    {
        DateTimeOffset time = DateTimeOffset.FromUnixTimeMilliseconds(e.UnixMilliseconds);
        return e.Kind switch
        {
            IdsEventKind.Denied or IdsEventKind.KernelDenied => Denied(e, time),
            IdsEventKind.IkeRefused => IkeRefused(e, time),
            _ => Suppressed(e, time),
        };
    }

    private static RenderedEvent Denied(in IdsEvent e, DateTimeOffset time)
    {
        string direction = e.Inbound ? "inbound" : "outbound";
        string protocol = SpdPacketFilter.ProtocolName(e.Flow.Protocol);
        string source = IpAddressCodec.ToIPAddress(e.Flow.Source).ToString();
        string destination = IpAddressCodec.ToIPAddress(e.Flow.Destination).ToString();
        string peer = e.Peer?.Identity is { } identity ? Cut(PeerNames.Describe(identity)) : "";
        string rule = e.Verdict.IsDefault ? "default deny" : Cut(e.Policy?.LineText(e.Verdict.Line) ?? "?");
        var fields = new List<EventField>(16)
        {
            EventField.Of("direction", direction),
            EventField.Of("protocol", protocol),
            EventField.Of("source", source),
        };
        bool ports = e.Flow.Protocol is IpProtocol.Tcp or IpProtocol.Udp or IpProtocol.Sctp;
        if (ports)
        {
            fields.Add(EventField.Of("sourcePort", e.Flow.SourcePort));
        }

        fields.Add(EventField.Of("destination", destination));
        if (ports)
        {
            fields.Add(EventField.Of("destinationPort", e.Flow.DestinationPort));
        }
        else if (e.Flow.Protocol is IpProtocol.Icmp or IpProtocol.Icmpv6)
        {
            fields.Add(EventField.Of("icmpType", e.Flow.IcmpType));
        }

        bool kernel = e.Kind == IdsEventKind.KernelDenied;
        string device = kernel ? InterfaceName(e.Interface) : "";
        if (kernel)
        {
            fields.Add(EventField.Of("interface", device));
        }
        else
        {
            fields.Add(EventField.Of("spi", e.Spi.ToString("x8", CultureInfo.InvariantCulture)));
        }

        if (e.Peer is { } saPeer)
        {
            fields.Add(EventField.Of("peer", peer));
            fields.Add(EventField.Of("peerName", Cut(saPeer.PeerName)));
        }

        fields.Add(EventField.Of("rule", e.Verdict.RuleIndex));
        fields.Add(EventField.Of("line", e.Verdict.Line));
        fields.Add(EventField.Of("ruleText", rule));
        fields.Add(EventField.Of("policyVersion", e.Policy?.Local.Version ?? 0));
        fields.Add(EventField.Of("reason", kernel ? "kernel_drop" : "policy_denied"));
        string ports2 = ports ? $"{source}:{e.Flow.SourcePort} -> {destination}:{e.Flow.DestinationPort}" : $"{source} -> {destination}";
        string from = e.Peer is null ? "no SA peer" : peer.Length > 0 ? "peer " + peer : "peer " + e.Peer.PeerName;
        string by = e.Verdict.IsDefault ? "the default deny" : $"rule {e.Verdict.RuleIndex} line {e.Verdict.Line}";
        string message = kernel
            ? $"denied {direction} {protocol} {ports2} in clear on {device} by {by} (nftables)"
            : $"denied {direction} {protocol} {ports2} on SA {e.Spi:x8} ({from}) by {by}";
        return new RenderedEvent(time, "denied", Warning, message, fields);
    }

    private static RenderedEvent IkeRefused(in IdsEvent e, DateTimeOffset time)
    {
        string remote = IpAddressCodec.ToIPAddress(e.Flow.Source).ToString();
        string local = IpAddressCodec.ToIPAddress(e.Flow.Destination).ToString();
        string reason = e.Reason ?? "unknown";
        string detail = Cut(e.Detail ?? "");
        var fields = new List<EventField>(10)
        {
            EventField.Of("direction", e.Inbound ? "inbound" : "outbound"),
            EventField.Of("protocol", "udp"),
            EventField.Of("source", remote),
            EventField.Of("sourcePort", e.Flow.SourcePort),
            EventField.Of("destination", local),
            EventField.Of("destinationPort", e.Flow.DestinationPort),
            EventField.Of("peerName", Cut(e.PeerConfig ?? "")),
            EventField.Of("reason", reason),
            EventField.Of("detail", detail),
        };
        string message = $"IKE_AUTH of {remote}:{e.Flow.SourcePort} refused ({reason}): {detail}";
        return new RenderedEvent(time, "ike-refused", Warning, message, fields);
    }

    private static RenderedEvent Suppressed(in IdsEvent e, DateTimeOffset time)
    {
        string source = e.OtherSources ? "*" : IpAddressCodec.ToIPAddress(e.Flow.Source).ToString();
        var fields = new List<EventField>(3)
        {
            EventField.Of("source", source),
            EventField.Of("count", e.Count),
            EventField.Of("since", Timestamp(DateTimeOffset.FromUnixTimeMilliseconds(e.SinceMilliseconds))),
        };
        string who = e.OtherSources ? "other remote addresses" : source;
        string message = $"{e.Count} events from {who} suppressed by the rate limit";
        return new RenderedEvent(time, "suppressed", Notice, message, fields);
    }

    /// <summary>An RFC 3339 UTC time with milliseconds, as RFC 5424 6.2.3 and the JSON lines write it: <c>2026-11-25T11:42:25.123Z</c>.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The interface's name in this network namespace (<c>if_indextoname</c>), or its index when it is gone.</summary>
    private static string InterfaceName(uint index)
    {
        if (index == 0)
        {
            return "-";
        }

        byte[] name = new byte[Platform.Interop.NetlinkCalls.IfNameSize];
        if (OperatingSystem.IsLinux() && Platform.Interop.NetlinkCalls.IfIndexToName(index, name) != 0)
        {
            int end = Array.IndexOf(name, (byte)0);
            return System.Text.Encoding.ASCII.GetString(name, 0, end < 0 ? name.Length : end);
        }

        return index.ToString(CultureInfo.InvariantCulture);
    }

    private static string Cut(string text) => text.Length <= MaxTextLength ? text : text[..MaxTextLength];

    /// <summary>The name of an <see cref="Ike.Auth.AuthFailure"/> as events give it (<c>not-allowed</c>).</summary>
    public static string ReasonName(Ike.Auth.AuthFailure failure) => KebabEnum.Format(failure);
}
