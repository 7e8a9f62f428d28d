using System.Text;
using System.Text.Json;
using IpsecFw.Host.Configuration;
using IpsecFw.Spd.Distribution;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// One poll of <c>policy.pull.location</c>: fetch (conditionally), judge the body through
/// <see cref="PolicyService.ApplyPulled"/> (the <see cref="BundleVerifier"/>, the last good <see cref="BundleStore"/>,
/// then the data path's re-check of live flows), count the outcome (<see cref="BundlePullCounters"/>) and log it with
/// its reason. The validators (ETag, Last-Modified, file stamp) of a body are kept once it was applied, found
/// unchanged, or refused for a reason that the same bytes will always have; a bundle refused for a passing reason
/// (not yet valid, the store not writable) is fetched whole again next time. A failure never touches the running
/// policy. Polls are serialised.
/// </summary>
public sealed class BundlePuller(DaemonState state, PolicyService policy, BundlePullCounters counters, ILogger<BundlePuller> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IBundleSource? _source;
    private string? _sourceKey;
    private string? _servedRefusal;

    /// <summary>Polls once; returns false when the fetch failed (the caller backs off), true otherwise.</summary>
    public async Task<bool> PollAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            HostConfig config = state.Config;
            if (config.Policy.Pull is null)
            {
                return true;
            }

            counters.Count("fetches");
            IBundleSource source;
            try
            {
                source = Source(config);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                return Failed("config", $"cannot read policy.pull.caCertificates: {e.Message}");
            }

            BundleFetch fetch = await source.FetchAsync(cancellationToken).ConfigureAwait(false);
            switch (fetch.Status)
            {
                case BundleFetchStatus.NotModified:
                    counters.Count("not_modified");
                    HostLog.PullNotModified(logger, source.Description);
                    policy.ReportPull(_servedRefusal);
                    return true;
                case BundleFetchStatus.Failed:
                    return Failed(fetch.ErrorKind!, fetch.Error!);
            }

            PullResult result = policy.ApplyPulled(fetch.Body!, source.Description);
            switch (result.Kind)
            {
                case PullResultKind.Applied:
                    counters.Count("applied");
                    _servedRefusal = null;
                    source.Remember(fetch);
                    HostLog.PullApplied(logger, source.Description, policy.Current?.Snapshot.Version ?? 0, fetch.Body!.Length);
                    break;
                case PullResultKind.Unchanged:
                    counters.Count("unchanged");
                    _servedRefusal = null;
                    source.Remember(fetch);
                    HostLog.PullUnchanged(logger, source.Description);
                    break;
                default:
                    BundleError error = result.Error!;
                    counters.Count("refused");
                    counters.Count("refused." + SnakeCase(error.Kind.ToString()));
                    _servedRefusal = policy.LastError;
                    source.Remember(IsLasting(error.Kind) ? fetch : null);
                    HostLog.PullRefused(logger, source.Description, error.Kind.ToString(), error.Message);
                    break;
            }

            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _source?.Dispose();
        _gate.Dispose();
    }

    /// <summary>Whether the same bytes will be refused for the same reason next time (so a 304 may stand for them).</summary>
    internal static bool IsLasting(BundleErrorKind kind) => kind is not (BundleErrorKind.NotYetValid or BundleErrorKind.StorageFailed
        or BundleErrorKind.MalformedKey or BundleErrorKind.InsecureKeyFile);

    internal static string SnakeCase(string name)
    {
        var b = new StringBuilder(name.Length + 4);
        foreach (char c in name)
        {
            if (char.IsUpper(c) && b.Length > 0)
            {
                b.Append('_');
            }

            b.Append(char.ToLowerInvariant(c));
        }

        return b.ToString();
    }

    private bool Failed(string kind, string message)
    {
        counters.Count("errors");
        counters.Count("errors." + kind);
        HostLog.PullFailed(logger, message);
        policy.ReportPull($"pulling the policy failed ({kind}): {message}; the running policy stays");
        return false;
    }

    /// <summary>The source for the configuration; made again when <c>policy.pull</c> changed (a reload).</summary>
    private IBundleSource Source(HostConfig config)
    {
        string key = JsonSerializer.Serialize(config.Policy.Pull!, ConfigJsonContext.Default.PullOptions) + "|" + config.BaseDirectory;
        if (_source is null || key != _sourceKey)
        {
            _source?.Dispose();
            _source = null;
            _servedRefusal = null;
            _source = BundleSources.Create(config);
            _sourceKey = key;
        }

        return _source;
    }
}
