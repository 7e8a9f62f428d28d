namespace IpsecFw.Spd.Language;

/// <summary>What a rule does with a connection it matches.</summary>
public enum RuleAction
{
    /// <summary>The connection is permitted.</summary>
    Allow,

    /// <summary>The connection is refused (with the rule's or the policy's <see cref="DenyResponse"/>).</summary>
    Deny,
}
