namespace IpsecFw.Ike.Messages;

/// <summary>The outcome of <see cref="MessageRules.Check"/>: the first violation found and the payload type concerned.</summary>
/// <param name="Violation">What is wrong, or <see cref="MessageRuleViolation.None"/>.</param>
/// <param name="PayloadType">The payload type concerned, if any.</param>
public readonly record struct MessageCheckResult(MessageRuleViolation Violation, PayloadType PayloadType = PayloadType.None)
{
    /// <summary>True when the message follows the rules.</summary>
    public bool IsValid => Violation == MessageRuleViolation.None;
}
