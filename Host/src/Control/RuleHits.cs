namespace IpsecFw.Host.Control;

/// <summary>
/// How often one rule of the running policy decided on the data path, in <c>ipsecfw status --json</c> as
/// <c>policy.ruleHits[]</c>. A hit is one decision: the first packet of a new flow (later packets of the flow pass by
/// connection tracking and are not counted). The default deny is the entry with <see cref="Index"/> -1. The counts start
/// at zero whenever a policy is installed (start, reload).
/// </summary>
public sealed record RuleHits
{
    /// <summary>The rule's position in the file, 0-based; -1 for the default deny.</summary>
    public int Index { get; init; }

    /// <summary>The rule's line in the policy source; 0 for the default deny.</summary>
    public int Line { get; init; }

    /// <summary><c>allow</c> or <c>deny</c>.</summary>
    public required string Action { get; init; }

    /// <summary>The rule's source line, trimmed (null when the source is not at hand).</summary>
    public string? Text { get; init; }

    /// <summary>New flows this rule allowed.</summary>
    public long Allowed { get; init; }

    /// <summary>New flows this rule (or the default deny) refused.</summary>
    public long Denied { get; init; }
}
