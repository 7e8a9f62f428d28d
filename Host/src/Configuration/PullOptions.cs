namespace IpsecFw.Host.Configuration;

/// <summary>
/// <c>policy.pull</c>: where the host fetches its signed bundle from, and how often. A location is an <c>http://</c>
/// or <c>https://</c> URL (a conditional GET with <c>If-None-Match</c> and <c>If-Modified-Since</c>, so any static web
/// server or object store can serve a fleet) or a file path (polled by modification time and size).
/// </summary>
public sealed class PullOptions
{
    /// <summary>The largest bundle a pull accepts; a bigger body is refused unread.</summary>
    public const int MaxBundleBytes = 16 * 1024 * 1024;

    /// <summary>The URL or file path of the bundle.</summary>
    public required string Location { get; set; }

    /// <summary>Seconds between polls (1 to 86400), each varied by up to 20% either way so a fleet spreads out.</summary>
    public int IntervalSeconds { get; set; } = 300;

    /// <summary>Seconds one fetch may take, body included (1 to 300).</summary>
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// With <c>https://</c>: the CA certificates the server's chain must end in (PEM or DER files); empty: the system's
    /// trust store.
    /// </summary>
    public IReadOnlyList<string> CaCertificates { get; set; } = [];
}
