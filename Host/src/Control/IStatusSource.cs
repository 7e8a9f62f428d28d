namespace IpsecFw.Host.Control;

/// <summary>
/// A component that contributes counters to <c>ipsecfw status</c> (ESP drops by reason, data-path drops, IKE
/// exchanges...). Any number may be registered in the daemon's services; each appears under its
/// <see cref="Component"/>. Called on a control-socket thread; must not block.
/// </summary>
public interface IStatusSource
{
    /// <summary>The section name in the status report (<c>esp</c>, <c>datapath</c>, <c>ike</c>).</summary>
    string Component { get; }

    /// <summary>The counters as they are now (name → value; snake_case names, zero values may be left out).</summary>
    IReadOnlyDictionary<string, long> ReadCounters();
}
