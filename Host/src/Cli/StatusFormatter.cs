using System.Globalization;
using IpsecFw.Host.Control;

namespace IpsecFw.Host.Cli;

/// <summary>The text forms of <c>ipsecfw status</c> and <c>ipsecfw sas</c>.</summary>
internal static class StatusFormatter
{
    public static void WriteStatus(StatusReport s, TextWriter o)
    {
        o.WriteLine($"ipsecfw {s.Version}, pid {s.ProcessId}, up {Duration(s.UptimeSeconds)} (since {Time(s.StartedAt)})");
        o.WriteLine($"config:   {s.ConfigFile}");
        PolicyStatus p = s.Policy;
        o.WriteLine(p.Origin == "none"
            ? "policy:   none"
            : $"policy:   {p.Origin} version {p.Version}, {p.Rules} rules, sha256 {p.Sha256}, loaded {Time(p.LoadedAt)} from {p.LoadedFrom}"
                + (p.ExpiresAt is { } e ? $", expires {Time(e)}" : string.Empty));
        if (p.Warning is not null)
        {
            o.WriteLine($"          warning: {p.Warning}");
        }

        if (p.LastError is not null)
        {
            o.WriteLine($"          last load refused: {p.LastError}");
        }

        o.WriteLine(s.IkeEngine
            ? $"ike:      {s.IkeSas} IKE SAs, {s.ChildSas} CHILD SAs"
            : "ike:      no IKE engine runs in this daemon yet (0 SAs)");
        foreach ((string component, IReadOnlyDictionary<string, long> counters) in s.Counters.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            string values = string.Join(", ", counters.Select(c => $"{c.Key} {c.Value.ToString(CultureInfo.InvariantCulture)}"));
            o.WriteLine($"{(component + ":").PadRight(10)}{(values.Length == 0 ? "-" : values)}");
        }
    }

    public static void WriteSas(IReadOnlyList<IkeSaInfo> sas, TextWriter o)
    {
        if (sas.Count == 0)
        {
            o.WriteLine("no IKE SAs");
            return;
        }

        foreach (IkeSaInfo sa in sas)
        {
            o.WriteLine($"{sa.PeerName ?? "(unnamed)"}: {sa.State}, {sa.PeerAddress}, {sa.PeerIdentity ?? "(not authenticated)"}, " +
                $"{sa.Algorithms ?? "-"}, SPIs {sa.InitiatorSpi}_i {sa.ResponderSpi}_r" +
                (sa.EstablishedAt is { } at ? $", established {Time(at)}" : string.Empty));
            if (sa.VirtualAddresses.Count > 0)
            {
                o.WriteLine($"  assigned to us: {string.Join(", ", sa.VirtualAddresses)}, DNS {(sa.Dns.Count == 0 ? "none" : string.Join(", ", sa.Dns))}");
            }

            if (sa.LeasedAddresses.Count > 0)
            {
                o.WriteLine($"  leased to the peer: {string.Join(", ", sa.LeasedAddresses)}");
            }
            else if (sa.LeasedAddress is { } leased)
            {
                o.WriteLine($"  leased to the peer: {leased}");
            }

            foreach (ChildSaInfo child in sa.Children)
            {
                long drops = child.Drops.Values.Sum();
                o.WriteLine($"  child: {child.State}, {child.Mode}, {child.Algorithms}, SPIs {child.InboundSpi}_in {child.OutboundSpi}_out, " +
                    $"in {child.BytesIn} bytes/{child.PacketsIn} packets, out {child.BytesOut} bytes/{child.PacketsOut} packets, {drops} drops" +
                    (child.LocalSelectors.Count + child.RemoteSelectors.Count > 0
                        ? $", {string.Join(",", child.LocalSelectors)} === {string.Join(",", child.RemoteSelectors)}"
                        : string.Empty));
            }
        }
    }

    private static string Time(DateTimeOffset? t) =>
        t?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-";

    private static string Duration(long seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalDays >= 1 ? $"{(int)t.TotalDays}d {t.Hours}h {t.Minutes}m"
            : t.TotalHours >= 1 ? $"{t.Hours}h {t.Minutes}m {t.Seconds}s"
            : t.TotalMinutes >= 1 ? $"{t.Minutes}m {t.Seconds}s"
            : $"{t.Seconds}s";
    }
}
