using IpsecFw.Host.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Polls <c>policy.pull.location</c> (<see cref="BundlePuller"/>) on the schedule of <see cref="PullSchedule"/>, and at
/// once on a reload (<see cref="PolicyService.PullRequested"/>). Without <c>policy.pull</c> it waits for a reload
/// that adds one. Stops with the daemon.
/// </summary>
public sealed class BundlePullService(DaemonState state, PolicyService policy, BundlePuller puller, ILogger<BundlePullService> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <inheritdoc/>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        policy.PullRequested += Wake;
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        policy.PullRequested -= Wake;
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int failures = 0;
        if (state.Config.Policy.Pull is { } first)
        {
            HostLog.PullStarted(logger, BundleSources.Describe(first.Location), first.IntervalSeconds);
            await WaitAsync(PullSchedule.First(TimeSpan.FromSeconds(first.IntervalSeconds), Uniform()), stoppingToken).ConfigureAwait(false);
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            PullOptions? pull = state.Config.Policy.Pull;
            if (pull is null)
            {
                await WaitAsync(Timeout.InfiniteTimeSpan, stoppingToken).ConfigureAwait(false);
                continue;
            }

            try
            {
                failures = await puller.PollAsync(stoppingToken).ConfigureAwait(false) ? 0 : failures + 1;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            TimeSpan delay = PullSchedule.Next(TimeSpan.FromSeconds(pull.IntervalSeconds), failures, Uniform());
            await WaitAsync(delay, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>A number in [0, 1) for the jitter (not a secret, but the project bans System.Random).</summary>
    private static double Uniform() => System.Security.Cryptography.RandomNumberGenerator.GetInt32(1_000_000) / 1_000_000.0;

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A poll is already asked for.
        }
    }

    private async Task WaitAsync(TimeSpan delay, CancellationToken stoppingToken)
    {
        try
        {
            await _wake.WaitAsync(delay, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }
}
