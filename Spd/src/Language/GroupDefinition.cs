namespace IpsecFw.Spd.Language;

/// <summary><c>NAME = expression;</c></summary>
/// <param name="Span">The name.</param>
/// <param name="Name">The group's name.</param>
/// <param name="Value">What the group contains.</param>
public sealed record GroupDefinition(SourceSpan Span, string Name, GroupExpression Value);
