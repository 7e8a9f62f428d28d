using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using IpsecFw.Host.Configuration;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// SIGHUP and <c>reload</c>: reads the configuration file again (a file with errors is refused and the running
/// configuration stays) and reopens the intrusion-detection events file (logrotate), then reloads the policy (<see cref="PolicyService.Load"/>, which keeps the last good policy
/// on failure). Settings read only at start (the control socket) are reported as needing a restart. Serialised.
/// </summary>
public sealed class Reloader(DaemonState state, PolicyService policy, ILogger<Reloader> logger, Events.EventPipeline? events = null) : IDisposable
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
            if (loaded.Succeeded)
            {
                if (loaded.Config!.Control.Socket != state.Config.Control.Socket)
                {
                    HostLog.NeedsRestart(logger, "control.socket");
                }

                foreach (string section in StartOnlySections(state.Config, loaded.Config))
                {
                    HostLog.NeedsRestart(logger, section);
                }

                state.Replace(loaded.Config);
            }
            else
            {
                configError = string.Join("; ", loaded.FormatErrors());
                HostLog.ConfigRefused(logger, configError);
            }

            policy.Load(state.Config);
            string? policyError = policy.LastError;
            bool ok = configError is null && policyError is null;
            string message = ok
                ? $"reloaded: policy {policy.Describe().Origin} version {policy.Current?.Snapshot.Version}"
                : string.Join("; ", new[] { configError is null ? null : "configuration refused: " + configError, policyError }.OfType<string>());
            return (ok, message);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    /// <summary>The sections the IKE engine and data path read at start only, that differ between two configurations.</summary>
    internal static IEnumerable<string> StartOnlySections(HostConfig running, HostConfig loaded)
    {
        if (Json(running.Peers) != Json(loaded.Peers))
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

    private static string Json<T>(T value) =>
        JsonSerializer.Serialize(value, (JsonTypeInfo<T>)ConfigJsonContext.Default.GetTypeInfo(typeof(T))!);
}
