namespace IpsecFw.Spd.Language;

/// <summary>The source or destination of a rule: <c>*</c> (<see cref="GroupName"/> null) or a group name.</summary>
/// <param name="Span">Where it is.</param>
/// <param name="GroupName">The group, or null for any host.</param>
public sealed record EndpointReference(SourceSpan Span, string? GroupName);
