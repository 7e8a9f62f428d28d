using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Language;

/// <summary>
/// Turns policy source into a <see cref="PolicySnapshot"/>. Bad input never throws: every lexical, syntax and semantic
/// problem of the file becomes a <see cref="Diagnostic"/>, and the snapshot is null when any of them is an error.
/// Thread-safe (no shared state).
/// </summary>
public static class PolicyCompiler
{
    /// <summary>
    /// The compiler's version, recorded in every compiled policy file (<c>Distribution.CompiledPolicy</c>), whose hosts
    /// recompile the source. The compiler is a pure function of the source text (no clock, culture, environment,
    /// randomness or file system), so the same source and the same compiler give the same snapshot everywhere. Raise
    /// this number with every change that lets a source compile that did not before (new syntax, predicates, services);
    /// hosts refuse a policy from a newer compiler. A change that would make a source that already compiled mean
    /// something else must instead raise <c>CompiledPolicy.FormatVersion</c>, which older hosts refuse.
    /// </summary>
    public const ushort CompilerVersion = 1;

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
