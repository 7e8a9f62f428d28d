using IpsecFw.Host.Control;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The daemon's answers to <c>status</c>, <c>sas</c>, <c>reload</c> and <c>terminate</c> (through
/// <paramref name="peers"/>, when the daemon runs with peers). With the data path's filter, <c>status</c> shows how
/// often each rule decided (<see cref="PolicyStatus.RuleHits"/>).
/// </summary>
public sealed class ControlCommandHandler(
    DaemonState state, PolicyService policy, ISaSource sas, IEnumerable<IStatusSource> sources, Reloader reloader,
    TimeProvider time, SpdPacketFilter? filter = null, IPeerReloader? peers = null) : IControlHandler
{
    private readonly IStatusSource[] _sources = [.. sources];

    /// <inheritdoc/>
    public async ValueTask<ControlResponse> HandleAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        switch (request.Command)
        {
            case "status":
                return new ControlResponse { Ok = true, Status = await StatusAsync(cancellationToken).ConfigureAwait(false) };
            case "sas":
                return new ControlResponse { Ok = true, Sas = await sas.GetSasAsync(cancellationToken).ConfigureAwait(false) };
            case "reload":
                (bool ok, string message) = await reloader.ReloadAsync("control socket", cancellationToken).ConfigureAwait(false);
                return ok ? new ControlResponse { Ok = true, Message = message } : ControlResponse.Failure(message);
            case "terminate":
                if (string.IsNullOrEmpty(request.Peer))
                {
                    return ControlResponse.Failure("terminate: a peer name is required");
                }

                if (peers is null)
                {
                    return ControlResponse.Failure("terminate: no IKE engine runs (no peers are configured)");
                }

                (bool done, string said) = await peers.TerminateAsync(request.Peer, request.ChildrenOnly, cancellationToken).ConfigureAwait(false);
                return done ? new ControlResponse { Ok = true, Message = said } : ControlResponse.Failure(said);
            default:
                return ControlResponse.Failure($"unknown command '{request.Command}'; the commands are status, sas, reload and terminate");
        }
    }

    private async Task<StatusReport> StatusAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<IkeSaInfo> list = await sas.GetSasAsync(cancellationToken).ConfigureAwait(false);
        var counters = new Dictionary<string, IReadOnlyDictionary<string, long>>(StringComparer.Ordinal);
        foreach (IStatusSource source in _sources)
        {
            counters[source.Component] = source.ReadCounters();
        }

        DateTimeOffset now = time.GetUtcNow();
        return new StatusReport
        {
            Version = DaemonState.Version,
            ProcessId = Environment.ProcessId,
            StartedAt = state.StartedAt,
            UptimeSeconds = (long)(now - state.StartedAt).TotalSeconds,
            ConfigFile = state.ConfigPath,
            Policy = filter is null ? policy.Describe() : policy.Describe() with { RuleHits = filter.RuleHits() },
            IkeSas = list.Count,
            ChildSas = list.Sum(s => s.Children.Count),
            IkeEngine = sas is not EmptySaSource,
            Counters = counters,
        };
    }
}
