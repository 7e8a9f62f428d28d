using IpsecFw.Esp.DataPath;
using IpsecFw.Host.Control;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The <c>acquire</c> section of <c>ipsecfw status</c>: acquires raised, packets held and released, drops by reason
/// (<c>drops.acquire_queue_full</c>, <c>drops.acquire_timeout</c>, <c>drops.acquire_failed</c>,
/// <c>drops.acquire_backoff</c>, <c>drops.acquire_request_lost</c>) and, per trapped peer,
/// <c>peer.NAME.pending</c> (1 while an acquire for it is being negotiated) and <c>peer.NAME.held</c>.
/// </summary>
public sealed class AcquireStatusSource(AcquireQueue acquires) : IStatusSource
{
    /// <inheritdoc/>
    public string Component => "acquire";

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, long> ReadCounters()
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["acquires"] = acquires.Raised,
            ["held"] = acquires.Held,
            ["released"] = acquires.Released,
            ["drops.acquire_queue_full"] = acquires.DroppedQueueFull,
            ["drops.acquire_timeout"] = acquires.DroppedTimeout,
            ["drops.acquire_failed"] = acquires.DroppedFailed,
            ["drops.acquire_backoff"] = acquires.DroppedBackoff,
            ["drops.acquire_request_lost"] = acquires.RequestsLost,
        };
        foreach (AcquireState peer in acquires.Snapshot())
        {
            result[$"peer.{peer.Peer}.pending"] = peer.Pending ? 1 : 0;
            result[$"peer.{peer.Peer}.held"] = peer.Held;
        }

        return result;
    }
}
