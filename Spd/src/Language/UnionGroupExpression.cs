namespace IpsecFw.Spd.Language;

/// <summary><c>a | b | x509{...}</c>: a peer is in the union when it is in any member.</summary>
/// <param name="Span">The first member.</param>
/// <param name="Members">Two or more members.</param>
public sealed record UnionGroupExpression(SourceSpan Span, IReadOnlyList<GroupExpression> Members)
    : GroupExpression(Span);
