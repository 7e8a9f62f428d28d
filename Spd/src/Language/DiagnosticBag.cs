namespace IpsecFw.Spd.Language;

/// <summary>Collects the diagnostics of one source file, in the order found. Not safe for concurrent use.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];
    private readonly string _file;
    private readonly string[] _lines;

    public DiagnosticBag(string file, string source)
    {
        _file = file;
        _lines = source.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
    }

    public IReadOnlyList<Diagnostic> Items => _items;

    public bool HasErrors { get; private set; }

    public void Error(SourceSpan at, string message) => Add(DiagnosticSeverity.Error, at, message);

    public void Warning(SourceSpan at, string message) => Add(DiagnosticSeverity.Warning, at, message);

    public IReadOnlyList<Diagnostic> Sorted() =>
        [.. _items.OrderBy(d => d.Line).ThenBy(d => d.Column)];

    private void Add(DiagnosticSeverity severity, SourceSpan at, string message)
    {
        string line = at.Line >= 1 && at.Line <= _lines.Length ? _lines[at.Line - 1] : string.Empty;
        _items.Add(new Diagnostic(severity, _file, at.Line, at.Column, Math.Max(1, at.Length), message, line));
        HasErrors |= severity == DiagnosticSeverity.Error;
    }
}
