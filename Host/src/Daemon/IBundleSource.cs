namespace IpsecFw.Host.Daemon;

/// <summary>A place the daemon pulls its signed bundle from (<c>policy.pull.location</c>): a URL or a file.</summary>
public interface IBundleSource : IDisposable
{
    /// <summary>The location for logs and status: a URL without its query (which may hold a token), or the path.</summary>
    string Description { get; }

    /// <summary>
    /// Fetches the bundle, conditionally on the remembered validator; never throws except for
    /// <paramref name="cancellationToken"/>. Bounded by the configured timeout and <c>PullOptions.MaxBundleBytes</c>.
    /// </summary>
    Task<BundleFetch> FetchAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Keeps <paramref name="fetch"/>'s validator for the next conditional fetch (after the body was judged for good);
    /// null forgets it, so the next fetch reads the whole bundle again.
    /// </summary>
    void Remember(BundleFetch? fetch);
}
