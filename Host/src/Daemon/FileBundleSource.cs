using System.Globalization;
using IpsecFw.Host.Configuration;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// A bundle in a file (a shared file system, or a file an agent puts in place): polled by its modification time and
/// size, read again only when either changed. A file at most <see cref="PullOptions.MaxBundleBytes"/> long; a missing
/// or unreadable file is a failure.
/// </summary>
public sealed class FileBundleSource(string path) : IBundleSource
{
    private Stamp? _remembered;

    /// <inheritdoc/>
    public string Description => path;

    /// <inheritdoc/>
    public Task<BundleFetch> FetchAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return Task.FromResult(BundleFetch.Failed("io", $"'{path}' does not exist"));
            }

            var stamp = new Stamp(info.LastWriteTimeUtc, info.Length);
            if (stamp == _remembered)
            {
                return Task.FromResult(BundleFetch.NotModified);
            }

            if (info.Length > PullOptions.MaxBundleBytes)
            {
                return Task.FromResult(BundleFetch.Failed("too_large", string.Create(CultureInfo.InvariantCulture,
                    $"'{path}' has {info.Length} bytes, more than the {PullOptions.MaxBundleBytes} a bundle may have; not read")));
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var body = new MemoryStream((int)info.Length);
            byte[] chunk = new byte[64 * 1024];
            int n;
            while ((n = stream.Read(chunk)) > 0 && body.Length <= PullOptions.MaxBundleBytes)
            {
                body.Write(chunk, 0, n);
            }

            return Task.FromResult(body.Length > PullOptions.MaxBundleBytes
                ? BundleFetch.Failed("too_large", $"'{path}' grew beyond {PullOptions.MaxBundleBytes} bytes while it was read; not used")
                : BundleFetch.Fetched(body.ToArray(), stamp));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult(BundleFetch.Failed("io", $"cannot read '{path}': {e.Message}"));
        }
    }

    /// <inheritdoc/>
    public void Remember(BundleFetch? fetch) => _remembered = fetch?.Validator as Stamp;

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private sealed record Stamp(DateTime WrittenAt, long Length);
}
