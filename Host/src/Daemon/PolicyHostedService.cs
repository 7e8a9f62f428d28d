using Microsoft.Extensions.Hosting;

namespace IpsecFw.Host.Daemon;

/// <summary>Loads the policy at start; the daemon does not start without one (it would enforce nothing).</summary>
public sealed class PolicyHostedService(DaemonState state, PolicyService policy) : IHostedService
{
    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!policy.Load(state.Config))
        {
            throw new PolicyLoadException("no policy to enforce: " + (policy.LastError ?? "nothing was loaded"));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
