namespace IpsecFw.Spd.Language;

/// <summary>The service of a rule as written: <c>*</c> (<see cref="Name"/> null), a name or <c>tcp/25</c> etc.</summary>
/// <param name="Span">Where it is.</param>
/// <param name="Name">The text, or null for <c>*</c>.</param>
public sealed record ServiceReference(SourceSpan Span, string? Name);
