namespace IpsecFw.Spd.Runtime;

/// <summary>
/// The traffic selectors an initiator proposes to a peer from the SPD (<see cref="PolicySnapshot.ProposeInitiator"/>,
/// RFC 7296 2.9): TSi (this host's side) and TSr (the peer's side), and the allow rules whose traffic they carry, in
/// file order. Empty lists when no rule of this host would protect traffic with the peer. Immutable.
/// </summary>
/// <param name="Local">TSi: this host's addresses, with the protocols and local ports of the rules.</param>
/// <param name="Remote">TSr: the peer's address, with the protocols and remote ports of the rules.</param>
/// <param name="RuleIndices">The rules (file order) the proposal comes from.</param>
public sealed record InitiatorProposal(
    IReadOnlyList<TrafficSelectorRange> Local, IReadOnlyList<TrafficSelectorRange> Remote, IReadOnlyList<int> RuleIndices)
{
    /// <summary>True when some rule protects traffic with the peer.</summary>
    public bool IsEmpty => Local.Count == 0 || Remote.Count == 0;
}
