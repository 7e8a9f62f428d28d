using System.Net;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Control;
using IpsecFw.Spd.Distribution;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Holds the policy the daemon enforces and replaces it on reload, never with something worse:
/// <list type="bullet">
/// <item><c>policy.source</c>: the file is compiled; when it does not compile the running policy stays and every
/// diagnostic is logged.</item>
/// <item><c>policy.bundle</c>: the last good bundle is loaded from <c>policy.stateDirectory</c> (<see cref="BundleStore"/>),
/// then the bundle file, when it differs, is verified and stored (<see cref="BundleStore.Accept"/>); a refused bundle
/// (bad signature, rollback, expired, does not compile...) leaves the last good one running, with the reason logged and
/// shown in <c>ipsecfw status</c>.</item>
/// <item><c>policy.pull</c>: the same store; <see cref="Load"/> only loads the last good bundle (and asks the
/// <see cref="BundlePuller"/> to poll now, <see cref="PullRequested"/>); the puller hands each fetched bundle to
/// <see cref="ApplyPulled"/>, which judges it exactly like a <c>policy.bundle</c> file.</item>
/// </list>
/// <see cref="Current"/> is swapped atomically; readers never see a half-made state. Loads are serialised.
/// </summary>
public sealed class PolicyService
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _loadLock = new();
    private PolicyState? _current;
    private string? _lastError;
    private long _sourceLoads;
    private HostConfig? _config;
    private IReadOnlyList<IPAddress> _leased = [];
    private BundleStore? _store;

    /// <summary>A service with nothing loaded yet.</summary>
    public PolicyService(TimeProvider time, ILogger<PolicyService> logger)
    {
        _time = time;
        _logger = logger;
    }

    /// <summary>The policy being enforced, or null before the first successful load.</summary>
    public PolicyState? Current => Volatile.Read(ref _current);

    /// <summary>
    /// Raised after a new policy became <see cref="Current"/> (at start and on each reload that changed it), on the
    /// loading thread, under the load lock: the data path's filter re-authorises its SAs and re-checks its connections.
    /// </summary>
    public event Action<PolicyState>? Installed;

    /// <summary>
    /// Raised by <see cref="Load"/> with <c>policy.pull</c> (a reload): the puller polls at once instead of waiting
    /// for its next turn.
    /// </summary>
    public event Action? PullRequested;

    /// <summary>Why the last load was refused, or null when it succeeded.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>
    /// Loads (at start) or reloads the policy <paramref name="config"/> names. Returns true when a policy is running
    /// afterwards (the new one, or the old one kept); false only when there is none at all.
    /// </summary>
    public bool Load(HostConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        lock (_loadLock)
        {
            _config = config;
            string? error = config.Policy.Source is not null ? LoadSource(config)
                : config.Policy.Pull is not null ? LoadStored(config)
                : LoadBundle(config);
            Volatile.Write(ref _lastError, error);
            if (error is not null)
            {
                HostLog.PolicyRefused(_logger, error);
            }

            if (config.Policy.Pull is not null)
            {
                PullRequested?.Invoke();
            }

            return Current is not null;
        }
    }

    /// <summary>
    /// Judges a bundle fetched from <c>policy.pull</c> (described by <paramref name="from"/>): the running one again
    /// (<see cref="PullResult.Unchanged"/>), or verified and stored by the <see cref="BundleStore"/> and installed
    /// (<see cref="PullResult.Applied"/>), or refused with the verifier's reason while the running policy stays.
    /// </summary>
    public PullResult ApplyPulled(byte[] bytes, string from)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        lock (_loadLock)
        {
            if (_config is not { } config || config.Policy.Pull is null)
            {
                return PullResult.Refused(new BundleError(BundleErrorKind.StorageFailed, "the configuration no longer pulls bundles"));
            }

            if (Current?.RawBytes is { } running && running.AsSpan().SequenceEqual(bytes))
            {
                Volatile.Write(ref _lastError, null);
                return PullResult.Unchanged;
            }

            if (_store is null && OpenStore(config) is { } keyError)
            {
                Volatile.Write(ref _lastError, keyError);
                return PullResult.Refused(new BundleError(BundleErrorKind.MalformedKey, keyError));
            }

            BundleVerdict verdict = _store!.Accept(bytes);
            if (!verdict.IsAccepted)
            {
                string why = $"the bundle from {from} is refused: {verdict.Error!.Message}"
                    + (Current is null ? string.Empty : "; the last good policy stays");
                Volatile.Write(ref _lastError, why);
                HostLog.PolicyRefused(_logger, why);
                return PullResult.Refused(verdict.Error);
            }

            Install(config, FromVerdict(verdict, from));
            Volatile.Write(ref _lastError, null);
            return PullResult.Applied;
        }
    }

    /// <summary>
    /// Shows a pull problem (a failed fetch, a refused bundle still served) as <see cref="LastError"/>, or clears it
    /// (null) when the location serves the running bundle again.
    /// </summary>
    public void ReportPull(string? error)
    {
        lock (_loadLock)
        {
            Volatile.Write(ref _lastError, error);
        }
    }

    /// <summary>The running policy for <c>ipsecfw status</c>.</summary>
    public PolicyStatus Describe()
    {
        PolicyState? state = Current;
        return state is null
            ? new PolicyStatus { Origin = "none", LastError = LastError }
            : new PolicyStatus
            {
                Origin = state.Origin,
                Version = state.Snapshot.Version,
                Sha256 = state.Sha256,
                LoadedFrom = state.LoadedFrom,
                LoadedAt = state.LoadedAt,
                ExpiresAt = state.ExpiresAt,
                Rules = state.Snapshot.Rules.Count,
                LastError = LastError,
                Warning = state.Warning,
            };
    }

    private string? LoadSource(HostConfig config)
    {
        string path = config.ResolvePath(config.Policy.Source!);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot read the policy source '{path}': {e.Message}";
        }

        CompiledPolicy? compiled;
        CompileResult result;
        try
        {
            compiled = CompiledPolicy.FromSource(text, path, out result);
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }

        foreach (Diagnostic d in result.Diagnostics)
        {
            if (d.IsError)
            {
                HostLog.PolicyDiagnostic(_logger, d.Header);
            }
            else
            {
                HostLog.PolicyWarning(_logger, d.Header);
            }
        }

        if (compiled is null)
        {
            return $"the policy source '{path}' does not compile ({result.Errors.Count()} errors; see the log or run 'ipsecfw policy check {path}')";
        }

        if (Current is { Origin: "source" } running && running.Sha256 == compiled.SourceSha256Hex && running.LoadedFrom == path)
        {
            HostLog.PolicyUnchanged(_logger, "the source has not changed");
            return null;
        }

        long version = Interlocked.Increment(ref _sourceLoads);
        PolicySnapshot snapshot = compiled.Compile(version, path).Snapshot!;
        Install(config, new PolicyState("source", snapshot, snapshot, compiled.SourceSha256Hex, path, _time.GetUtcNow(), null, null, null)
        {
            Source = compiled.Source,
        });
        return null;
    }

    /// <summary>Reads the signer's key and opens the store in <c>policy.stateDirectory</c>; the key's problem, or null.</summary>
    private string? OpenStore(HostConfig config)
    {
        _store = null;
        string keyPath = config.ResolvePath(config.Policy.SignerKey!);
        if (!BundlePublicKey.TryReadFile(keyPath, out BundlePublicKey? key, out BundleError? keyError))
        {
            return keyError.Message;
        }

        _store = new BundleStore(config.ResolvePath(config.Policy.StateDirectory!), key, _time);
        return null;
    }

    /// <summary>
    /// Opens the store and, when nothing from a bundle runs yet, installs the last good bundle; otherwise only learns
    /// the store's serial (a new bundle is judged against it). The stored bundle's problem, or null.
    /// </summary>
    private string? LoadStoredBundle(HostConfig config, out BundleStore? store)
    {
        store = null;
        if (OpenStore(config) is { } keyError)
        {
            return keyError;
        }

        store = _store!;
        if (Current is null || Current.Origin != "bundle")
        {
            BundleVerdict stored = store.Load();
            if (stored.IsAccepted)
            {
                Install(config, FromVerdict(stored, store.BundlePath));
            }
            else if (stored.Reason != BundleErrorKind.NoStoredBundle)
            {
                return stored.Error!.Message;
            }
        }
        else
        {
            _ = store.Load();
        }

        return null;
    }

    private string? LoadStored(HostConfig config)
    {
        string? error = LoadStoredBundle(config, out _);
        return Current is not null ? error
            : Join(error, $"no bundle has been pulled from {BundleSources.Describe(config.Policy.Pull!.Location)} yet and none is stored in '{config.ResolvePath(config.Policy.StateDirectory!)}'");
    }

    private string? LoadBundle(HostConfig config)
    {
        string bundlePath = config.ResolvePath(config.Policy.Bundle!);
        string? error = LoadStoredBundle(config, out BundleStore? store);
        if (store is null)
        {
            return error;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(bundlePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = $"cannot read the bundle '{bundlePath}': {e.Message}";
            return Current is null ? Join(error, why) : why + "; the last good policy stays";
        }

        if (Current?.RawBytes is { } running && running.AsSpan().SequenceEqual(bytes))
        {
            HostLog.PolicyUnchanged(_logger, $"'{bundlePath}' is the bundle already running");
            return error;
        }

        BundleVerdict verdict = store.Accept(bytes);
        if (!verdict.IsAccepted)
        {
            string why = $"the bundle '{bundlePath}' is refused: {verdict.Error!.Message}";
            return Current is null ? Join(error, why) : why + "; the last good policy stays";
        }

        Install(config, FromVerdict(verdict, bundlePath));
        return null;
    }

    /// <summary>
    /// The inside addresses this host holds by CP (RFC 7296 2.19) besides <c>tun.addresses</c>: the running policy is
    /// specialised again with them, so address groups that contain a lease count this host as a member.
    /// </summary>
    public void SetLeasedAddresses(IReadOnlyList<IPAddress> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        lock (_loadLock)
        {
            _leased = [.. addresses];
            if (Current is { } state && _config is { } config)
            {
                Install(config, state, announce: false);
                HostLog.PolicySpecialised(_logger, state.Snapshot.Version, _leased.Count == 0 ? "none" : string.Join(", ", _leased));
            }
        }
    }

    private PolicyState FromVerdict(BundleVerdict verdict, string path)
    {
        PolicySnapshot snapshot = verdict.Snapshot!;
        return new PolicyState("bundle", snapshot, snapshot, verdict.Policy!.SourceSha256Hex, path, _time.GetUtcNow(),
            verdict.Bundle!.ExpiresAt, verdict.Warning, verdict.Bundle.Encoded.ToArray())
        {
            Source = verdict.Policy.Source,
        };
    }

    private void Install(HostConfig config, PolicyState state, bool announce = true)
    {
        PolicySnapshot local = state.Snapshot.Specialize(SelfIdentity.From(config), SelfIdentity.Addresses(config).Concat(_leased));
        state = state with { Local = local };
        Volatile.Write(ref _current, state);
        if (announce)
        {
            HostLog.PolicyLoaded(_logger, state.Origin, state.Snapshot.Version, state.Snapshot.Rules.Count, state.Sha256, state.LoadedFrom);
            if (state.Warning is not null)
            {
                HostLog.PolicyWarning(_logger, state.Warning);
            }
        }

        Installed?.Invoke(state);
    }

    private static string Join(string? first, string second) => first is null ? second : first + "; " + second;
}
