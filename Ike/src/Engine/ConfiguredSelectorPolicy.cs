using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// The policy of a connection without an SPD: every authenticated peer the credential layer accepts is admitted
/// (optionally filtered by <see cref="Admit"/>), and selectors are narrowed to the connection's configured ones (the
/// responder's local selectors bound TSr, its remote ones TSi).
/// </summary>
public sealed class ConfiguredSelectorPolicy : IIkePolicy
{
    /// <summary>Optional admission check: null or empty string to admit, else the reason to refuse.</summary>
    public Func<PeerIdentity, string?>? Admit { get; init; }

    /// <inheritdoc/>
    public bool AdmitPeer(IkeSa sa, PeerIdentity peer, out string reason)
    {
        reason = Admit?.Invoke(peer) ?? string.Empty;
        return reason.Length == 0;
    }

    /// <inheritdoc/>
    public bool TryNarrow(IkeSa sa, IReadOnlyList<TrafficSelector> tsi, IReadOnlyList<TrafficSelector> tsr,
        out IReadOnlyList<TrafficSelector> narrowedTsi, out IReadOnlyList<TrafficSelector> narrowedTsr)
    {
        ArgumentNullException.ThrowIfNull(sa);
        narrowedTsi = SelectorNarrowing.Intersect(tsi, sa.Config.RemoteTrafficSelectors);
        narrowedTsr = SelectorNarrowing.Intersect(tsr, sa.Config.LocalTrafficSelectors);
        return narrowedTsi.Count > 0 && narrowedTsr.Count > 0;
    }
}
