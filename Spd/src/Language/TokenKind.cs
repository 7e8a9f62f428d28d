namespace IpsecFw.Spd.Language;

/// <summary>The kinds of token in a policy source.</summary>
public enum TokenKind
{
    /// <summary>A run of letters, digits and <c>_ . : / -</c>: names, keywords, addresses, <c>tcp/25</c>.</summary>
    Word,

    /// <summary>A double-quoted string (its <see cref="Token.Text"/> has the quotes removed and escapes resolved).</summary>
    String,

    /// <summary><c>*</c></summary>
    Star,

    /// <summary><c>=</c></summary>
    Equals,

    /// <summary><c>&lt;</c></summary>
    Less,

    /// <summary><c>&lt;=</c></summary>
    LessEqual,

    /// <summary><c>&gt;</c></summary>
    Greater,

    /// <summary><c>&gt;=</c></summary>
    GreaterEqual,

    /// <summary><c>{</c></summary>
    LeftBrace,

    /// <summary><c>}</c></summary>
    RightBrace,

    /// <summary><c>(</c></summary>
    LeftParen,

    /// <summary><c>)</c></summary>
    RightParen,

    /// <summary><c>,</c></summary>
    Comma,

    /// <summary><c>;</c></summary>
    Semicolon,

    /// <summary><c>|</c></summary>
    Pipe,

    /// <summary><c>@</c></summary>
    At,

    /// <summary>End of input.</summary>
    End,
}
