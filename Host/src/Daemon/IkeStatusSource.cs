using IpsecFw.Host.Configuration;
using IpsecFw.Host.Control;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Engine;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// IKE counters for <c>ipsecfw status</c>: the engine's drops and refusals before any SA, the half-open responder SAs
/// (<c>half_open</c> is the number now, <c>half_open_sources</c> the addresses holding them) and how many expired, refused authentications by reason
/// (<c>auth_failed.&lt;reason&gt;</c>, only the reasons seen), IKE_AUTH requests that broke the payload rules, and the UDP send errors.
/// </summary>
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
        counters["drops.per_source_limit"] = c.DroppedPerSourceLimit;
        counters["drops.queue_full"] = c.DroppedQueueFull;
        counters["cookies_sent"] = c.CookiesSent;
        counters["init_refused"] = c.InitRefused;
        counters["half_open"] = c.HalfOpen;
        counters["half_open_sources"] = c.HalfOpenSources;
        counters["half_open_expired"] = c.HalfOpenExpired;
        counters["auth_invalid_syntax"] = c.AuthInvalidSyntax;
        counters["auth_failed"] = c.AuthFailed;
        foreach (AuthFailure reason in Enum.GetValues<AuthFailure>())
        {
            long n = c.AuthFailures(reason);
            if (n > 0)
            {
                counters["auth_failed." + KebabEnum.Format(reason).Replace('-', '_')] = n;
            }
        }

        counters["send_errors"] = service.SendErrors;
        return counters;
    }
}
