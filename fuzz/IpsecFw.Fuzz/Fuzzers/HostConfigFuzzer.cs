using IpsecFw.Host.Configuration;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// The daemon's configuration loader and validator (<see cref="ConfigLoader.Parse"/>): JSON reading, the schema check,
/// binding and every validation rule, on the file bytes. Relative paths resolve under a folder that does not exist,
/// so no input reads a real file. The loader promises a result with errors, never an exception: a result must either
/// succeed with a configuration and no error, or fail with at least one error that formats.
/// </summary>
internal sealed class HostConfigFuzzer : IFuzzer
{
    private const string BaseDirectory = "/nonexistent/ipsecfw-fuzz";

    public string Name => "HostConfig";

    public string Description => "Host: ConfigLoader.Parse (JSON, schema, binding, validation) on the file bytes";

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        ConfigLoadResult result = ConfigLoader.Parse(input, "fuzz.json", BaseDirectory);
        if (result.Succeeded != (result.Config is not null && result.Errors.Count == 0))
        {
            throw new FuzzInvariantException("Succeeded disagrees with Config and Errors");
        }

        if (!result.Succeeded && result.Errors.Count == 0)
        {
            throw new FuzzInvariantException("a refused configuration without an error");
        }

        foreach (string line in result.FormatErrors())
        {
            if (string.IsNullOrEmpty(line))
            {
                throw new FuzzInvariantException("an empty error message");
            }
        }
    }
}
