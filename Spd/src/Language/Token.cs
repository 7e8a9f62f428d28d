namespace IpsecFw.Spd.Language;

/// <summary>One token with its position.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Text">The text (for strings, the value without quotes).</param>
/// <param name="Span">Where it is; for strings the span includes the quotes.</param>
public readonly record struct Token(TokenKind Kind, string Text, SourceSpan Span)
{
    /// <summary>True when this is a <see cref="TokenKind.Word"/> equal to <paramref name="keyword"/> (case-sensitive).</summary>
    public bool IsKeyword(string keyword) => Kind == TokenKind.Word && Text == keyword;
}
