namespace IpsecFw.Spd.Language;

/// <summary>The optional words after a rule's endpoints.</summary>
/// <param name="Log">The decision is logged.</param>
/// <param name="Response">An explicit <c>drop</c> or <c>reject</c>, or null for the policy default.</param>
/// <param name="Process">The local program the rule is restricted to, or null.</param>
/// <param name="Keyed">The program's traffic gets its own CHILD_SA (needs <paramref name="Process"/>).</param>
public sealed record RuleModifiers(bool Log, DenyResponse? Response, string? Process, bool Keyed)
{
    /// <summary>No modifiers.</summary>
    public static RuleModifiers None { get; } = new(false, null, null, false);
}
