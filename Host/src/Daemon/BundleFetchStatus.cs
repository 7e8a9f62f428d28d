namespace IpsecFw.Host.Daemon;

/// <summary>The outcome of one fetch of the bundle location.</summary>
public enum BundleFetchStatus
{
    /// <summary>Nothing changed since the remembered fetch (HTTP 304, or the same file time and size).</summary>
    NotModified,

    /// <summary>A body was read (HTTP 200, or a changed file).</summary>
    Fetched,

    /// <summary>The fetch failed (network, TLS, HTTP status, timeout, size, file).</summary>
    Failed,
}
