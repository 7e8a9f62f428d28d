using System.Text;

namespace IpsecFw.Spd.Language;

/// <summary>
/// One error or warning about a policy source, with its position and the offending source line, formatted the way
/// compilers do: <c>file:line:col: error: message</c>, then the source line, then a caret under the fault.
/// </summary>
/// <param name="Severity">Error or warning.</param>
/// <param name="File">The file name as given to the compiler.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Length">Characters to underline (at least 1).</param>
/// <param name="Message">A plain sentence, without position.</param>
/// <param name="SourceLine">The text of the line (without its line break).</param>
public sealed record Diagnostic(
    DiagnosticSeverity Severity, string File, int Line, int Column, int Length, string Message, string SourceLine)
{
    /// <summary>True for <see cref="DiagnosticSeverity.Error"/>.</summary>
    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary>The first line only: <c>file:line:col: error: message</c>.</summary>
    public string Header =>
        $"{File}:{Line}:{Column}: {(IsError ? "error" : "warning")}: {Message}";

    /// <summary>
    /// The three-line form: header, source line, and a caret line whose caret sits under <see cref="Column"/> (tabs in
    /// the source are repeated in the caret line so the caret lines up in a terminal), followed by <c>~</c> for the rest
    /// of the span.
    /// </summary>
    public string Format()
    {
        var caret = new StringBuilder();
        for (int i = 0; i < Column - 1; i++)
        {
            caret.Append(i < SourceLine.Length && SourceLine[i] == '\t' ? '\t' : ' ');
        }

        caret.Append('^');
        int tail = Math.Min(Length, Math.Max(1, SourceLine.Length - Column + 1)) - 1;
        caret.Append('~', Math.Max(0, tail));
        return Header + "\n" + SourceLine + "\n" + caret;
    }

    /// <inheritdoc/>
    public override string ToString() => Format();
}
