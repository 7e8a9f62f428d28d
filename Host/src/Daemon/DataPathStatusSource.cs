using IpsecFw.Esp.DataPath;
using IpsecFw.Host.Control;

namespace IpsecFw.Host.Daemon;

/// <summary>Data-path counters for <c>ipsecfw status</c> (packets each way, drops by reason).</summary>
public sealed class DataPathStatusSource(DataPathCounters counters) : IStatusSource
{
    /// <inheritdoc/>
    public string Component => "datapath";

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, long> ReadCounters() => new SortedDictionary<string, long>(StringComparer.Ordinal)
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
}
