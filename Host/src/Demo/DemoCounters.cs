using System.Globalization;
using IpsecFw.Host.Control;

namespace IpsecFw.Host.Demo;

/// <summary>
/// The daemons' own counts of the rule that decided, from <c>ipsecfw status</c>: for traffic in clear the nftables
/// table's per-rule counters (section <c>firewall</c>: <c>input_rule_INDEX_packets</c>, <c>output_default_packets</c>...),
/// for traffic through an SA the data path's per-rule hits. A counter the daemon does not report is absent, and the
/// table then shows none rather than a guess.
/// </summary>
internal static class DemoCounters
{
    /// <summary>The counter that <paramref name="decision"/> of <paramref name="connection"/> raises at the deciding host.</summary>
    public static string Key(DemoConnection connection, DemoDecision decision)
    {
        string rule = decision.RuleIndex < 0 ? "default" : "rule_" + decision.RuleIndex.ToString(CultureInfo.InvariantCulture);
        return connection.Tunnel
            ? "sa:" + rule
            : $"clear:{(decision.Inbound ? "input" : "output")}_{rule}_packets";
    }

    /// <summary>The counters of one daemon's status, by <see cref="Key"/>.</summary>
    public static Dictionary<string, long> Read(StatusReport? status)
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        if (status is null)
        {
            return counters;
        }

        if (status.Counters.TryGetValue("firewall", out IReadOnlyDictionary<string, long>? firewall))
        {
            foreach ((string name, long value) in firewall)
            {
                counters["clear:" + name] = value;
            }
        }

        foreach (RuleHits hits in status.Policy.RuleHits ?? [])
        {
            string rule = hits.Index < 0 ? "default" : "rule_" + hits.Index.ToString(CultureInfo.InvariantCulture);
            counters["sa:" + rule] = hits.Allowed + hits.Denied;
        }

        return counters;
    }

    /// <summary>How much counter <paramref name="key"/> rose from <paramref name="before"/> to <paramref name="after"/>; null when it is not reported.</summary>
    public static long? Rise(IReadOnlyDictionary<string, long>? before, IReadOnlyDictionary<string, long>? after, string key) =>
        after is not null && after.TryGetValue(key, out long now) ? now - (before?.GetValueOrDefault(key) ?? 0) : null;
}
