using System.Collections.Concurrent;
using IpsecFw.Host.Control;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The <c>pull</c> section of <c>ipsecfw status</c>: every fetch of <c>policy.pull.location</c> and its outcome.
/// <c>fetches</c> counts attempts; each ends as one of <c>not_modified</c> (304, or the same file), <c>unchanged</c>
/// (a body identical to the running bundle), <c>applied</c>, <c>refused</c> (and <c>refused.&lt;reason&gt;</c>, the
/// verifier's <c>BundleErrorKind</c> in snake_case) or <c>errors</c> (and <c>errors.&lt;kind&gt;</c>: <c>http_status</c>,
/// <c>timeout</c>, <c>network</c>, <c>tls</c>, <c>too_large</c>, <c>io</c>, <c>config</c>). Thread-safe.
/// </summary>
public sealed class BundlePullCounters : IStatusSource
{
    private readonly ConcurrentDictionary<string, long> _counters = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public string Component => "pull";

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, long> ReadCounters() =>
        new SortedDictionary<string, long>(_counters.ToDictionary(), StringComparer.Ordinal);

    /// <summary>Adds one to <paramref name="name"/>.</summary>
    public void Count(string name) => _counters.AddOrUpdate(name, 1, (_, v) => v + 1);

    /// <summary>The value of <paramref name="name"/> (0 when never counted).</summary>
    public long Get(string name) => _counters.TryGetValue(name, out long v) ? v : 0;
}
