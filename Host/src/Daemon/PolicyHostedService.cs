using Microsoft.Extensions.Hosting;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Loads the policy at start; the daemon does not start without one (it would enforce nothing). With
/// <c>policy.pull</c> and no last good bundle stored yet, one fetch is made here (bounded by
/// <c>policy.pull.timeoutSeconds</c>) before giving up.
/// </summary>
public sealed class PolicyHostedService(DaemonState state, PolicyService policy, BundlePuller puller) : IHostedService
{
    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!policy.Load(state.Config) && state.Config.Policy.Pull is not null)
        {
            await puller.PollAsync(cancellationToken).ConfigureAwait(false);
        }

        if (policy.Current is null)
        {
            throw new PolicyLoadException("no policy to enforce: " + (policy.LastError ?? "nothing was loaded"));
        }
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
