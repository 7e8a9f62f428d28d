using IpsecFw.Spd.Language;

namespace IpsecFw.Spd.Runtime;

/// <summary>The outcome of one decision.</summary>
/// <param name="Action">Allow or deny.</param>
/// <param name="Response">For a deny: drop silently or reject visibly.</param>
/// <param name="Log">The deciding rule asked for a log record (the default deny always logs).</param>
/// <param name="RuleIndex">The deciding rule's position in the file (0-based), or -1 for the default deny.</param>
/// <param name="Line">The deciding rule's line, or 0 for the default deny.</param>
/// <param name="Keyed">The deciding rule wants the traffic on a CHILD_SA of its own (per-process keying).</param>
public readonly record struct Verdict(
    RuleAction Action, DenyResponse Response, bool Log, int RuleIndex, int Line, bool Keyed)
{
    /// <summary>True for <see cref="RuleAction.Allow"/>.</summary>
    public bool IsAllowed => Action == RuleAction.Allow;

    /// <summary>True when no rule matched and the policy's final default deny decided.</summary>
    public bool IsDefault => RuleIndex < 0;
}
