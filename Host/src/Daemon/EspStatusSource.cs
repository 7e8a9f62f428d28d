using IpsecFw.Esp;
using IpsecFw.Esp.Sa;
using IpsecFw.Host.Control;

namespace IpsecFw.Host.Daemon;

/// <summary>ESP counters for <c>ipsecfw status</c>: SA counts and drops by reason, summed over the table and its SAs.</summary>
public sealed class EspStatusSource(EspSaTable table) : IStatusSource
{
    /// <inheritdoc/>
    public string Component => "esp";

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, long> ReadCounters()
    {
        var counters = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["inbound_sas"] = table.InboundCount,
            ["outbound_sas"] = table.OutboundCount,
        };
        IReadOnlyList<EspSa> sas = table.Snapshot();
        foreach (EspStatus reason in Enum.GetValues<EspStatus>())
        {
            if (reason == EspStatus.Ok)
            {
                continue;
            }

            long count = table.GetDropCount(reason);
            foreach (EspSa sa in sas)
            {
                count += sa.GetDropCount(reason);
            }

            if (count != 0)
            {
                counters["drops." + EspSaTable.ReasonTag(reason)] = count;
            }
        }

        return counters;
    }
}
