namespace IpsecFw.Spd.Language;

/// <summary><c>allow|deny SERVICE(SRC, DST) [log] [drop|reject] [process "/path"] [keyed];</c></summary>
/// <param name="Span">The first token of the rule (the action, or the service when the action is implied).</param>
/// <param name="Action">Allow or deny.</param>
/// <param name="ActionImplied">True for Figure 2's <c>...;ntp(a,b);</c>: an <c>allow</c> carried over on the same line.</param>
/// <param name="Service">The service.</param>
/// <param name="Source">Who initiates the connection.</param>
/// <param name="Destination">Who accepts it.</param>
/// <param name="Modifiers">Everything after the closing parenthesis.</param>
public sealed record RuleStatement(
    SourceSpan Span,
    RuleAction Action,
    bool ActionImplied,
    ServiceReference Service,
    EndpointReference Source,
    EndpointReference Destination,
    RuleModifiers Modifiers);
