using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using IpsecFw.Host.Configuration;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// SIGHUP and <c>reload</c>: reads the configuration file again (a file with errors is refused and the running
/// configuration stays) and reopens the intrusion-detection events file (logrotate), then reloads the policy (<see cref="PolicyService.Load"/>, which keeps the last good policy
/// on failure), then applies the changes to <c>peers</c> through <paramref name="peers"/> (<see cref="IkeService"/>
/// when the daemon runs with peers): what the new peers need is checked before anything changes, and a peer that
/// cannot be used (a PSK file that cannot be read...) refuses the whole file. Settings read only at start (the control
/// socket, <c>ike</c>, <c>tun</c>...) are reported as needing a restart. Serialised.
/// </summary>
public sealed class Reloader(DaemonState state, PolicyService policy, ILogger<Reloader> logger, Events.EventPipeline? events = null,
    IPeerReloader? peers = null) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Reloads; the result says what happened in one sentence, and whether anything was refused.</summary>
    public async Task<(bool Ok, string Message)> ReloadAsync(string trigger, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            HostLog.ReloadRequested(logger, trigger);
            events?.Reopen();
            ConfigLoadResult loaded = ConfigLoader.Load(state.ConfigPath);
            string? configError = null;
            PeerReload? peerReload = null;
            try
            {
                if (loaded.Succeeded)
                {
                    bool peersChanged = Json(state.Config.Peers) != Json(loaded.Config!.Peers);
                    if (peersChanged && peers is not null)
                    {
                        try
                        {
                            peerReload = peers.Prepare(loaded.Config);
                        }
                        catch (IkeStartException e)
                        {
                            configError = e.Message;
                        }
                    }

                    if (configError is null)
                    {
                        if (loaded.Config.Control.Socket != state.Config.Control.Socket)
                        {
                            HostLog.NeedsRestart(logger, "control.socket");
                        }

                        foreach (string section in StartOnlySections(state.Config, loaded.Config, peersApplied: peers is not null))
                        {
                            HostLog.NeedsRestart(logger, section);
                        }

                        state.Replace(loaded.Config);
                    }
                }
                else
                {
                    configError = string.Join("; ", loaded.FormatErrors());
                }

                if (configError is not null)
                {
                    HostLog.ConfigRefused(logger, configError);
                }

                policy.Load(state.Config);
                string? peerMessage = peerReload is null ? null : await peers!.ApplyAsync(peerReload, cancellationToken).ConfigureAwait(false);
                string? policyError = policy.LastError;
                bool ok = configError is null && policyError is null;
                string message = ok
                    ? $"reloaded: policy {policy.Describe().Origin} version {policy.Current?.Snapshot.Version}" + (peerMessage is null ? string.Empty : "; " + peerMessage)
                    : string.Join("; ", new[] { configError is null ? null : "configuration refused: " + configError, policyError, peerMessage }.OfType<string>());
                return (ok, message);
            }
            finally
            {
                peerReload?.Dispose();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    /// <summary>
    /// The sections the IKE engine and data path read at start only, that differ between two configurations
    /// (<c>peers</c> too when no <see cref="IPeerReloader"/> applies them: the daemon started without peers).
    /// </summary>
    internal static IEnumerable<string> StartOnlySections(HostConfig running, HostConfig loaded, bool peersApplied = false)
    {
        if (!peersApplied && Json(running.Peers) != Json(loaded.Peers))
        {
            yield return "peers";
        }

        if (Json(running.Ike) != Json(loaded.Ike))
        {
            yield return "ike";
        }

        if (Json(running.Tun) != Json(loaded.Tun))
        {
            yield return "tun";
        }

        if (Json(running.Firewall) != Json(loaded.Firewall))
        {
            yield return "firewall";
        }

        if (Json(running.Events) != Json(loaded.Events))
        {
            yield return "events";
        }

        if (Json(running.Identity) != Json(loaded.Identity) || Json(running.Trust) != Json(loaded.Trust))
        {
            yield return "identity/trust";
        }
    }

    internal static string Json<T>(T value) =>
        JsonSerializer.Serialize(value, (JsonTypeInfo<T>)ConfigJsonContext.Default.GetTypeInfo(typeof(T))!);
}
