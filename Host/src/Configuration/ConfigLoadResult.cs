namespace IpsecFw.Host.Configuration;

/// <summary>The outcome of <see cref="ConfigLoader.Load(string)"/>.</summary>
/// <param name="File">The file as named by the caller.</param>
/// <param name="Config">The validated configuration, or null when there is any error.</param>
/// <param name="Errors">Every problem found, in document order as far as possible.</param>
public sealed record ConfigLoadResult(string File, HostConfig? Config, IReadOnlyList<ConfigError> Errors)
{
    /// <summary>True when the file loaded without error.</summary>
    public bool Succeeded => Config is not null && Errors.Count == 0;

    /// <summary>Each error as <c>FILE: path: message</c>, one per line.</summary>
    public IEnumerable<string> FormatErrors() => Errors.Select(e => $"{File}: {e}");
}
