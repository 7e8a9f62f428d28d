using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Language;

/// <summary>
/// Turns policy source into a <see cref="PolicySnapshot"/>. Bad input never throws: every lexical, syntax and semantic
/// problem of the file becomes a <see cref="Diagnostic"/>, and the snapshot is null when any of them is an error.
/// Thread-safe (no shared state).
/// </summary>
public static class PolicyCompiler
{
    /// <summary>Parses only: the syntax tree and the lexical and syntax diagnostics.</summary>
    public static (PolicyDocument Document, IReadOnlyList<Diagnostic> Diagnostics) Parse(string source, string file = "policy")
    {
        var diagnostics = new DiagnosticBag(file, source);
        PolicyDocument document = ParseInto(source, file, diagnostics);
        return (document, diagnostics.Sorted());
    }

    /// <summary>Parses and compiles <paramref name="source"/>; <paramref name="version"/> becomes the snapshot's version.</summary>
    public static CompileResult Compile(string source, string file = "policy", long version = 1)
    {
        var diagnostics = new DiagnosticBag(file, source);
        PolicyDocument document = ParseInto(source, file, diagnostics);
        PolicySnapshot? snapshot = new PolicyBinder(document, diagnostics).Bind(version);
        return new CompileResult(diagnostics.HasErrors ? null : snapshot, document, diagnostics.Sorted());
    }

    private static PolicyDocument ParseInto(string source, string file, DiagnosticBag diagnostics)
    {
        List<Token> tokens = new Lexer(source, diagnostics).Tokenize();
        return new Parser(file, tokens, diagnostics).Parse();
    }
}
