using IpsecFw.Host.Control;
using IpsecFw.Ike.Engine;

namespace IpsecFw.Host.Daemon;

/// <summary>IKE counters for <c>ipsecfw status</c>: the engine's drops and refusals before any SA, and the UDP send errors.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class IkeStatusSource(IkeService service) : IStatusSource
{
    /// <inheritdoc/>
    public string Component => "ike";

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, long> ReadCounters()
    {
        var counters = new SortedDictionary<string, long>(StringComparer.Ordinal);
        if (service.Engine is not { } engine)
        {
            return counters;
        }

        IkeEngineCounters c = engine.Counters;
        counters["received"] = c.Received;
        counters["drops.malformed"] = c.DroppedMalformed;
        counters["drops.unknown_spi"] = c.DroppedUnknownSpi;
        counters["drops.half_open_limit"] = c.DroppedHalfOpenLimit;
        counters["drops.queue_full"] = c.DroppedQueueFull;
        counters["cookies_sent"] = c.CookiesSent;
        counters["init_refused"] = c.InitRefused;
        counters["send_errors"] = service.SendErrors;
        return counters;
    }
}
