using IpsecFw.Esp;
using IpsecFw.Esp.DataPath;
using IpsecFw.Host.Control;
using IpsecFw.Host.Platform;
using IpsecFw.Spd.State;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Data-path counters for <c>ipsecfw status</c> (packets each way, drops by reason, the per-packet policy's refusals by
/// verdict and direction, e.g. <c>drops.policy_denied_in</c>, <c>drops.process_denied_in</c>; with the filter, the
/// connection table, the look-ups of local programs by outcome (<c>process.lookups.found</c>...) and their total time,
/// the dedicated CHILD_SAs, and the reassemblers' drops).
/// </summary>
public sealed class DataPathStatusSource(DataPathCounters counters, SpdPacketFilter? filter = null) : IStatusSource
{
    /// <inheritdoc/>
    public string Component => "datapath";

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, long> ReadCounters()
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["packets.outbound"] = counters.OutboundPackets,
            ["packets.inbound"] = counters.InboundPackets,
            ["drops.no_sa"] = counters.NoSa,
            ["drops.bad_inner_packet"] = counters.BadInnerPacket,
            ["drops.seal_failed"] = counters.SealFailed,
            ["drops.send_failed"] = counters.SendFailed,
            ["drops.esp_rejected"] = counters.EspRejected,
            ["drops.not_tunnel"] = counters.NotTunnel,
            ["drops.selector_mismatch"] = counters.SelectorMismatch,
            ["drops.tun_write_failed"] = counters.TunWriteFailed,
            ["ike.delivered"] = counters.IkeDelivered,
            ["ike.queue_full"] = counters.IkeQueueFull,
        };
        foreach (PacketVerdict verdict in Enum.GetValues<PacketVerdict>())
        {
            if (verdict == PacketVerdict.Pass)
            {
                continue;
            }

            foreach (EspDirection direction in (EspDirection[])[EspDirection.Inbound, EspDirection.Outbound])
            {
                result["drops." + DataPathCounters.FilterReasonName(verdict, direction)] = counters.FilterCount(verdict, direction);
            }
        }

        if (filter is not null)
        {
            ConnectionTable table = filter.Connections;
            result["conntrack.entries"] = table.Count;
            result["conntrack.expired"] = table.ExpiredEntries;
            result["conntrack.refused_full"] = table.DroppedFull;
            result["conntrack.refused_not_initial"] = table.DroppedNotInitial;
            result["conntrack.invalid"] = table.InvalidPackets;
            foreach (SocketOwnerStatus status in Enum.GetValues<SocketOwnerStatus>())
            {
                result["process.lookups." + SocketOwner.StatusName(status)] = filter.ProgramLookups(status);
            }

            result["process.lookup_microseconds"] = filter.ProgramLookupMicroseconds;
            result["process.dedicated_sas"] = filter.DedicatedSaCount;
            result["process.dedicated_requests"] = filter.DedicatedSaRequests;
            foreach (FragmentDropReason reason in Enum.GetValues<FragmentDropReason>())
            {
                if (reason != FragmentDropReason.None)
                {
                    result["fragments." + reason.ToString().ToLowerInvariant()] = filter.FragmentDrops(reason);
                }
            }
        }

        return result;
    }
}
