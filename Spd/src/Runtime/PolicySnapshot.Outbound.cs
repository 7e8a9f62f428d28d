using IpsecFw.Spd.Language;

namespace IpsecFw.Spd.Runtime;

// Outbound SPD processing with DISCARD / BYPASS / PROTECT (RFC 4301 4.4.1, 5.1).
public sealed partial class PolicySnapshot
{
    /// <summary>
    /// Outbound SPD processing for a packet leaving this host before any SA is chosen (RFC 4301 5.1): DISCARD, BYPASS
    /// or PROTECT, with the selectors IKE should propose for PROTECT. Allocates nothing.
    /// <para>
    /// The candidates are walked in file order as in <see cref="DecideOutbound"/>; among the rules whose local side
    /// holds this host (and whose <c>process</c>, if any, is <paramref name="localProgram"/>):
    /// a rule whose remote side is <c>*</c> or an address group holding the destination decides outright (allow:
    /// BYPASS, the packet may leave in clear; deny: DISCARD); an allow rule whose remote side is an x509 group decides
    /// PROTECT (an SA to a peer in that group). A deny rule on an x509 group cannot be judged before the peer has
    /// authenticated, so it is passed over here; the caller still runs <see cref="DecideOutbound"/> with the SA's
    /// grant on the first packet of each flow, which applies every rule in order with the peer's real identity.
    /// </para>
    /// <para>
    /// Selectors for PROTECT: the narrowest useful pair (RFC 7296 2.9 asks the initiator to put the triggering packet
    /// first; this is one step wider): this host's address and the peer's address alone, the flow's protocol, every
    /// local port, and the remote port range of the rule's service entry that covers the flow. So one SA carries every
    /// connection between the two hosts for that service, and never traffic to a third host that the rule's group would
    /// also admit: a group is a set of identities, not of addresses, so the rule's address range is not known.
    /// </para>
    /// </summary>
    public OutboundDecision DecideOutboundAction(in FlowKey flow, string? localProgram = null)
    {
        ReadOnlySpan<int> candidates = _outbound.Candidates(flow.Protocol, flow.DestinationPort, out RemoteRuleIndex? sieve);
        int best;
        if (sieve is null)
        {
            best = FirstOutboundAction(candidates, int.MaxValue, flow, localProgram);
        }
        else
        {
            // The same walk over the candidates that can decide here (RemoteRuleIndex): a remote side of *, an address
            // group holding the destination, or an x509 group.
            best = FirstOutboundAction(sieve.Any, int.MaxValue, flow, localProgram);
            best = FirstOutboundAction(sieve.ByAddress(flow.Destination), best, flow, localProgram);
            best = FirstOutboundAction(sieve.WithIdentities, best, flow, localProgram);
        }

        if (best == int.MaxValue)
        {
            return new OutboundDecision(OutboundAction.Discard, DefaultVerdict, -1, default, default);
        }

        CompiledRule rule = _rules[best];
        int remote = rule.Destination;
        if (remote < 0 || _groups[remote].Addresses.Contains(flow.Destination))
        {
            return rule.Action == RuleAction.Allow
                ? new OutboundDecision(OutboundAction.Bypass, rule.Verdict, -1, default, default)
                : new OutboundDecision(OutboundAction.Discard, rule.Verdict, -1, default, default);
        }

        (TrafficSelectorRange local, TrafficSelectorRange peer) = ProposalFor(rule, flow);
        return new OutboundDecision(OutboundAction.Protect, rule.Verdict, remote, local, peer);
    }

    /// <summary>
    /// The first rule of <paramref name="list"/> before <paramref name="best"/> that decides the outbound action (see
    /// <see cref="DecideOutboundAction"/>), else <paramref name="best"/>.
    /// </summary>
    private int FirstOutboundAction(ReadOnlySpan<int> list, int best, in FlowKey flow, string? localProgram)
    {
        foreach (int i in list)
        {
            if (i >= best)
            {
                break;
            }

            CompiledRule rule = _rules[i];
            if (rule.Source < 0 || !Holds(rule.Source, _self, flow.Source)
                || (rule.Process is not null && !string.Equals(rule.Process, localProgram, StringComparison.Ordinal)))
            {
                continue;
            }

            int remote = rule.Destination;
            if (remote < 0 || _groups[remote].Addresses.Contains(flow.Destination)
                || (rule.Action == RuleAction.Allow && _groups[remote].Identities.Count > 0))
            {
                return i;
            }
        }

        return best;
    }

    private static (TrafficSelectorRange Local, TrafficSelectorRange Remote) ProposalFor(CompiledRule rule, in FlowKey flow)
    {
        ServicePort covering = ServicePort.Any;
        foreach (ServicePort s in rule.Service)
        {
            if (s.Matches(flow.Protocol, flow.DestinationPort))
            {
                covering = s;
                break;
            }
        }

        byte protocol = covering.AnyProtocol ? (byte)0 : flow.Protocol;
        bool ports = !covering.AnyProtocol && IpProtocol.HasPorts(flow.Protocol);
        ushort first = ports ? covering.FirstPort : (ushort)0, last = ports ? covering.LastPort : ushort.MaxValue;
        return (new TrafficSelectorRange(protocol, 0, ushort.MaxValue, flow.Source, flow.Source),
            new TrafficSelectorRange(protocol, first, last, flow.Destination, flow.Destination));
    }
}
