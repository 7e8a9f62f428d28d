namespace IpsecFw.Fuzz;

/// <summary>
/// One fuzz target: a parser fed hostile bytes (the shape of the .NET runtime's Fuzzing/DotnetFuzzing). The target
/// catches nothing that the parser documents as an outcome; whatever escapes <see cref="FuzzTarget"/> is a bug.
/// </summary>
internal interface IFuzzer
{
    /// <summary>The name on the command line and the folder of the seed corpus (<c>fuzz/Corpora/&lt;Name&gt;</c>).</summary>
    string Name { get; }

    /// <summary>A short description of what the target covers, for <c>--list</c>.</summary>
    string Description { get; }

    /// <summary>Runs one input. Must be deterministic: the same input takes the same path every time.</summary>
    void FuzzTarget(ReadOnlySpan<byte> input);
}
