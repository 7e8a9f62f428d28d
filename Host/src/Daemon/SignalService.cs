using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// SIGHUP reloads the configuration and the policy (<see cref="Reloader"/>); SIGTERM and SIGINT are the generic
/// host's (a clean stop). Also logs the start, and that no IKE engine runs yet.
/// </summary>
public sealed class SignalService(DaemonState state, Reloader reloader, IHostApplicationLifetime lifetime, ILogger<SignalService> logger,
    Control.ISaSource sas) : IHostedService, IDisposable
{
    private PosixSignalRegistration? _hangup;

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows())
        {
            _hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                _ = Task.Run(() => reloader.ReloadAsync("SIGHUP", lifetime.ApplicationStopping), lifetime.ApplicationStopping);
            });
        }

        HostLog.Started(logger, DaemonState.Version, Environment.ProcessId, state.ConfigPath);
        if (sas is Control.EmptySaSource)
        {
            HostLog.NoIkeEngine(logger);
        }

        lifetime.ApplicationStopping.Register(() => HostLog.Stopping(logger));
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _hangup?.Dispose();
        _hangup = null;
    }
}
