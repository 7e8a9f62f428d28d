namespace IpsecFw.Esp.Sa;

/// <summary>
/// Receives lifetime events from SAs. Called on the packet thread that crossed the limit, at most once per event and
/// SA: implementations must only record or enqueue (for example into a Channel read by IKE), never block.
/// </summary>
public interface IEspSaObserver
{
    /// <summary>The SA crossed a soft or hard limit.</summary>
    void OnLifetime(EspSa sa, EspLifetimeEvent lifetimeEvent);
}
