namespace IpsecFw.Spd.Language;

/// <summary>A parsed policy file: the syntax tree, in file order.</summary>
/// <param name="File">The file name used in diagnostics.</param>
/// <param name="Groups">Group definitions.</param>
/// <param name="Rules">Rules, in file order (the order of evaluation).</param>
/// <param name="Expectations"><c>expect</c> lines.</param>
/// <param name="DefaultResponse">The response of the final default deny (<c>default reject;</c>), or null for drop.</param>
public sealed record PolicyDocument(
    string File,
    IReadOnlyList<GroupDefinition> Groups,
    IReadOnlyList<RuleStatement> Rules,
    IReadOnlyList<ExpectStatement> Expectations,
    DenyResponse? DefaultResponse);
