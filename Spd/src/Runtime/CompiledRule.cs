using IpsecFw.Spd.Language;

namespace IpsecFw.Spd.Runtime;

/// <summary>A rule after compilation. Immutable.</summary>
/// <param name="Index">Position in the file, 0-based: the order of evaluation.</param>
/// <param name="Line">Its line in the source.</param>
/// <param name="Service">The protocols and ports it covers.</param>
/// <param name="Source">Index of the source group, or -1 for <c>*</c>.</param>
/// <param name="Destination">Index of the destination group, or -1 for <c>*</c>.</param>
/// <param name="Process">The local program it is restricted to, or null.</param>
/// <param name="Verdict">What it decides when it matches.</param>
public sealed record CompiledRule(
    int Index, int Line, ServicePort[] Service, int Source, int Destination, string? Process,
    Verdict Verdict)
{
    /// <summary>True when the rule covers a flow of this protocol to this destination port.</summary>
    public bool MatchesService(byte protocol, ushort port)
    {
        foreach (ServicePort s in Service)
        {
            if (s.Matches(protocol, port))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Where the rule starts in the source (for diagnostics and explanations).</summary>
    public SourceSpan Span { get; init; }

    /// <summary>The action, for readability.</summary>
    public RuleAction Action => Verdict.Action;
}
