namespace IpsecFw.Spd.Language;

/// <summary><c>expect allow|deny SERVICE(FROM, TO);</c>: a test the policy must pass.</summary>
/// <param name="Span">The <c>expect</c> keyword.</param>
/// <param name="Expected">The verdict the author expects.</param>
/// <param name="Service">The service, which must name exactly one protocol and port (or a protocol without ports).</param>
/// <param name="Source">The initiator.</param>
/// <param name="Destination">The responder.</param>
public sealed record ExpectStatement(
    SourceSpan Span, RuleAction Expected, ServiceReference Service, ExpectEndpoint Source, ExpectEndpoint Destination);
