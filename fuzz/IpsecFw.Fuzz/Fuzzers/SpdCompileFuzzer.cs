using System.Text;
using IpsecFw.Spd.Language;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// The policy compiler (<see cref="PolicyCompiler.Compile"/>): lexer, parser, binder and checker on the input read as
/// UTF-8 text (invalid sequences become U+FFFD, as a file reader would make them). The compiler promises diagnostics and
/// never an exception; every diagnostic is also formatted, as the CLI prints it, and must point inside the file.
/// </summary>
internal sealed class SpdCompileFuzzer : IFuzzer
{
    public string Name => "SpdCompile";

    public string Description => "Spd: PolicyCompiler.Compile on UTF-8 policy text, diagnostics formatted";

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        string source = Encoding.UTF8.GetString(input);
        CompileResult result = PolicyCompiler.Compile(source, "fuzz.policy");
        int lines = 1;
        foreach (char c in source)
        {
            if (c == '\n')
            {
                lines++;
            }
        }

        bool anyError = false;
        foreach (Diagnostic diagnostic in result.Diagnostics)
        {
            anyError |= diagnostic.IsError;
            if (diagnostic.Line < 1 || diagnostic.Line > lines || diagnostic.Column < 1)
            {
                throw new FuzzInvariantException($"diagnostic outside the file ({lines} lines): {diagnostic.Header}");
            }

            _ = diagnostic.Format();
        }

        if (result.Succeeded == anyError)
        {
            throw new FuzzInvariantException($"Succeeded={result.Succeeded} but {(anyError ? "an error" : "no error")} was reported");
        }
    }
}
