namespace IpsecFw.Host.Daemon;

/// <summary>
/// What one fetch of a <see cref="IBundleSource"/> gave: the server (or file) says nothing changed, a body, or a
/// failure with a counter name (<see cref="ErrorKind"/>, snake_case) and a plain reason that names no secret.
/// </summary>
public sealed record BundleFetch
{
    private BundleFetch(BundleFetchStatus status, byte[]? body, string? errorKind, string? error, object? validator)
    {
        Status = status;
        Body = body;
        ErrorKind = errorKind;
        Error = error;
        Validator = validator;
    }

    /// <summary>What happened.</summary>
    public BundleFetchStatus Status { get; }

    /// <summary>The bundle's bytes (with <see cref="BundleFetchStatus.Fetched"/>).</summary>
    public byte[]? Body { get; }

    /// <summary>The failure's counter name: <c>http_status</c>, <c>timeout</c>, <c>network</c>, <c>tls</c>, <c>too_large</c>, <c>io</c>.</summary>
    public string? ErrorKind { get; }

    /// <summary>The failure, in one sentence.</summary>
    public string? Error { get; }

    /// <summary>
    /// What the source sends next time to ask "has it changed?" (an ETag and Last-Modified, or a file's time and
    /// size), given back to <see cref="IBundleSource.Remember"/> once the body was judged.
    /// </summary>
    internal object? Validator { get; }

    /// <summary>The bundle has not changed since the remembered fetch.</summary>
    public static BundleFetch NotModified { get; } = new(BundleFetchStatus.NotModified, null, null, null, null);

    /// <summary>A new body.</summary>
    public static BundleFetch Fetched(byte[] body, object? validator) => new(BundleFetchStatus.Fetched, body, null, null, validator);

    /// <summary>A failure.</summary>
    public static BundleFetch Failed(string kind, string error) => new(BundleFetchStatus.Failed, null, kind, error, null);
}
