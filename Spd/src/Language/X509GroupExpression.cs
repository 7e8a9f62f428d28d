namespace IpsecFw.Spd.Language;

/// <summary><c>x509{p1, p2, ...}</c>: peers whose certificate satisfies every predicate.</summary>
/// <param name="Span">The <c>x509</c> keyword.</param>
/// <param name="Predicates">The predicates, all of which must hold.</param>
public sealed record X509GroupExpression(SourceSpan Span, IReadOnlyList<X509Predicate> Predicates)
    : GroupExpression(Span);
