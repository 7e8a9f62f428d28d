namespace IpsecFw.Spd.Runtime;

/// <summary>
/// The responder's answer to the traffic selectors an initiator proposed (RFC 7296 2.9), from
/// <see cref="PolicySnapshot.NarrowResponder"/>: either unacceptable (the responder answers TS_UNACCEPTABLE), or the
/// subsets of TSi and TSr the policy allows, to be sent back in the CREATE_CHILD_SA / IKE_AUTH response. Immutable.
/// </summary>
/// <param name="IsAcceptable">False when no allow rule admits any of the proposed traffic.</param>
/// <param name="Initiator">The narrowed TSi (the peer's side); empty when unacceptable.</param>
/// <param name="Responder">The narrowed TSr (this host's side); empty when unacceptable.</param>
/// <param name="RuleIndex">The allow rule whose traffic the narrowed selectors hold, or -1 when unacceptable.</param>
public sealed record SelectorNarrowing(
    bool IsAcceptable, IReadOnlyList<TrafficSelectorRange> Initiator, IReadOnlyList<TrafficSelectorRange> Responder,
    int RuleIndex)
{
    /// <summary>The answer when nothing proposed is allowed: TS_UNACCEPTABLE.</summary>
    public static SelectorNarrowing Unacceptable { get; } = new(false, [], [], -1);
}
