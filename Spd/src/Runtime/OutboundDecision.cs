namespace IpsecFw.Spd.Runtime;

/// <summary>
/// The outcome of outbound SPD processing for one flow (<see cref="PolicySnapshot.DecideOutboundAction"/>): DISCARD,
/// BYPASS or PROTECT (RFC 4301 5.1), the rule that decided, and for PROTECT what IKE needs to set up the SA.
/// </summary>
/// <param name="Action">DISCARD, BYPASS or PROTECT.</param>
/// <param name="Verdict">The deciding rule's verdict (or the default deny), with its line, log flag and response.</param>
/// <param name="RequiredGroup">
/// For PROTECT: the index of the x509 group the peer's authenticated identity must be in (test it with
/// <see cref="PeerGrant.Contains"/> on the SA's grant); -1 otherwise.
/// </param>
/// <param name="Local">
/// For PROTECT: the selector to propose for this host's side (TSi when this host initiates): the flow's source address
/// alone, the flow's protocol (0 when the rule's service is <c>*</c>), every port (the local port of a connection this
/// host opens is ephemeral). Default otherwise.
/// </param>
/// <param name="Remote">
/// For PROTECT: the selector to propose for the peer's side (TSr): the flow's destination address alone, the flow's
/// protocol, and the port range of the rule's service entry that covers the flow (every port for a service without
/// ports or for <c>*</c>). Default otherwise.
/// </param>
public readonly record struct OutboundDecision(
    OutboundAction Action, Verdict Verdict, int RequiredGroup, TrafficSelectorRange Local, TrafficSelectorRange Remote)
{
    /// <summary>The deciding rule wants a CHILD_SA of its own for this program's traffic (<c>keyed</c>).</summary>
    public bool Keyed => Verdict.Keyed;

    /// <summary>True for BYPASS and PROTECT.</summary>
    public bool IsAllowed => Action != OutboundAction.Discard;
}
