namespace IpsecFw.Host.Configuration;

/// <summary>One problem with a configuration file.</summary>
/// <param name="Path">
/// Where: a JSON path without the leading <c>$.</c> (<c>peers[1].address</c>), or <c>LINE:COLUMN</c> for a syntax
/// error, or empty for the file as a whole.
/// </param>
/// <param name="Message">A plain sentence.</param>
public sealed record ConfigError(string Path, string Message)
{
    /// <summary><c>path: message</c>.</summary>
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}
