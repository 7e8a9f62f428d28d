namespace IpsecFw.Spd.Language;

/// <summary>One predicate inside <c>x509{...}</c>, such as <c>name="*.example.com"</c> or <c>ver&gt;19990315</c>.</summary>
/// <param name="Span">The predicate's name.</param>
/// <param name="Name">The predicate's name (<c>name</c>, <c>dn</c>, <c>issuer</c>, <c>serial</c>, <c>group</c>, <c>ver</c>).</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Value">The value: a string's contents or a bare word.</param>
/// <param name="ValueSpan">Where the value is.</param>
public sealed record X509Predicate(
    SourceSpan Span, string Name, ComparisonOperator Operator, string Value, SourceSpan ValueSpan);
