using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Language;

/// <summary>The outcome of <see cref="PolicyCompiler.Compile"/>.</summary>
/// <param name="Snapshot">The compiled policy, or null when there was any error.</param>
/// <param name="Document">The syntax tree (possibly partial when there were syntax errors).</param>
/// <param name="Diagnostics">Every error and warning of the file, sorted by position.</param>
public sealed record CompileResult(PolicySnapshot? Snapshot, PolicyDocument Document, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when the policy compiled (warnings allowed).</summary>
    public bool Succeeded => Snapshot is not null;

    /// <summary>The errors only.</summary>
    public IEnumerable<Diagnostic> Errors => Diagnostics.Where(d => d.IsError);

    /// <summary>The warnings only.</summary>
    public IEnumerable<Diagnostic> Warnings => Diagnostics.Where(d => !d.IsError);
}
