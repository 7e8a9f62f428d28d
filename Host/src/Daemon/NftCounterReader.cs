using System.Globalization;
using System.Text.Json;
using IpsecFw.Spd.Nftables;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Reads the counters of the daemon's rules from <c>nft -j list table</c> (libnftables JSON, <c>nft -j</c>): the
/// default deny of each chain (<c>input_default_packets</c>, <c>..._bytes</c>) and each policy rule
/// (<c>input_rule_2_packets</c>, summed over the nftables rules one policy rule became), found by the comments
/// <see cref="NftRulesetBuilder"/> writes.
/// </summary>
internal static class NftCounterReader
{
    public static bool TryRead(string json, Dictionary<string, long> counters, out string? error)
    {
        error = null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty("nftables", out JsonElement items) || items.ValueKind != JsonValueKind.Array)
            {
                error = "no 'nftables' array";
                return false;
            }

            foreach (JsonElement item in items.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("rule", out JsonElement rule))
                {
                    Add(rule, counters);
                }
            }

            return true;
        }
        catch (JsonException e)
        {
            error = e.Message;
            return false;
        }
    }

    private static void Add(JsonElement rule, Dictionary<string, long> counters)
    {
        if (rule.ValueKind != JsonValueKind.Object
            || !rule.TryGetProperty("chain", out JsonElement chainElement) || chainElement.GetString() is not ("input" or "output")
            || !rule.TryGetProperty("comment", out JsonElement commentElement) || commentElement.GetString() is not { } comment
            || !rule.TryGetProperty("expr", out JsonElement expr) || expr.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        string? key = comment == NftRulesetBuilder.DefaultComment ? "default"
            : comment.StartsWith(NftRulesetBuilder.RuleCommentPrefix, StringComparison.Ordinal)
                && int.TryParse(comment[NftRulesetBuilder.RuleCommentPrefix.Length..].Split(' ')[0],
                    NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                ? "rule_" + index.ToString(CultureInfo.InvariantCulture)
                : null;
        if (key is null)
        {
            return;
        }

        foreach (JsonElement e in expr.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("counter", out JsonElement counter) && counter.ValueKind == JsonValueKind.Object
                && counter.TryGetProperty("packets", out JsonElement packets) && packets.TryGetInt64(out long p)
                && counter.TryGetProperty("bytes", out JsonElement bytes) && bytes.TryGetInt64(out long b))
            {
                string prefix = chainElement.GetString() + "_" + key;
                counters[prefix + "_packets"] = counters.GetValueOrDefault(prefix + "_packets") + p;
                counters[prefix + "_bytes"] = counters.GetValueOrDefault(prefix + "_bytes") + b;
            }
        }
    }
}
