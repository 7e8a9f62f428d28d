namespace IpsecFw.Spd.Runtime;

// Per-process rules (issue 3: `process "/usr/bin/ftp"`): what the host must know about the local program, and why a
// refusal happened.
public sealed partial class PolicySnapshot
{
    /// <summary>
    /// True when a rule this host enforces on incoming connections names a <c>process</c>: only then is the local
    /// program of a new inbound flow worth looking up (it can change the decision).
    /// </summary>
    public bool InboundNeedsProgram { get; }

    /// <summary>True when a rule this host enforces on outgoing connections names a <c>process</c>.</summary>
    public bool OutboundNeedsProgram { get; }

    /// <summary>
    /// For a flow that <see cref="DecideInbound"/> or <see cref="DecideOutbound"/> refused with
    /// <paramref name="localProgram"/>: the <c>process</c> rule that would have decided had the program been the one
    /// it names, or null when the program is not why the flow was refused (the first rule that fits, ignoring every
    /// rule's <c>process</c>, has none, or there is no such rule). The data path counts such refusals apart
    /// (<c>process_denied</c>). Allocates nothing.
    /// </summary>
    public CompiledRule? ProcessRuleFor(in FlowKey flow, PeerGrant? peer, string? localProgram, bool inbound)
    {
        Verdict any = inbound
            ? Decide(_inbound, flow.Protocol, flow.DestinationPort, flow.Destination, flow.Source, peer, localProgram, inbound: true, anyProgram: true)
            : Decide(_outbound, flow.Protocol, flow.DestinationPort, flow.Source, flow.Destination, peer, localProgram, inbound: false, anyProgram: true);
        return !any.IsDefault && _rules[any.RuleIndex] is { Process: not null } rule
            && !string.Equals(rule.Process, localProgram, StringComparison.Ordinal) ? rule : null;
    }
}
