namespace IpsecFw.Spd.Language;

/// <summary>One entry of an address group as written: an address, a prefix or a range (checked by the compiler).</summary>
/// <param name="Span">Where it is.</param>
/// <param name="Text">The text as written.</param>
public sealed record AddressItem(SourceSpan Span, string Text);
