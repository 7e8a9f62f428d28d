namespace IpsecFw.Spd.Language;

/// <summary>The operator of an x509 predicate: <c>=</c>, and for <c>ver</c> also <c>&lt; &lt;= &gt; &gt;=</c>.</summary>
public enum ComparisonOperator
{
    /// <summary><c>=</c></summary>
    Equal,

    /// <summary><c>&lt;</c></summary>
    Less,

    /// <summary><c>&lt;=</c></summary>
    LessEqual,

    /// <summary><c>&gt;</c></summary>
    Greater,

    /// <summary><c>&gt;=</c></summary>
    GreaterEqual,
}
