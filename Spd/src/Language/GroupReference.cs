namespace IpsecFw.Spd.Language;

/// <summary>A reference to a group defined earlier, as a member of a union.</summary>
/// <param name="Span">The name.</param>
/// <param name="Name">The referenced group.</param>
public sealed record GroupReference(SourceSpan Span, string Name) : GroupExpression(Span);
