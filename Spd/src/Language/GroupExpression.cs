namespace IpsecFw.Spd.Language;

/// <summary>The right-hand side of a group definition, or one member of a union.</summary>
/// <param name="Span">Where the expression starts.</param>
public abstract record GroupExpression(SourceSpan Span);
