namespace IpsecFw.Spd.Language;

/// <summary>A place in a policy source: 1-based line and column, and the length in characters (at least 1).</summary>
/// <param name="Line">1-based line number.</param>
/// <param name="Column">1-based column (in characters; a tab counts as one).</param>
/// <param name="Length">How many characters the construct covers on its line (at least 1).</param>
public readonly record struct SourceSpan(int Line, int Column, int Length);
