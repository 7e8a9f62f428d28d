using IpsecFw.Esp.DataPath;
using IpsecFw.Esp.Sa;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Control;
using IpsecFw.Host.Daemon;
using IpsecFw.Host.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>The daemon's answers: status from the policy service and the status sources, sas from the SA source.</summary>
public sealed class ControlCommandHandlerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 6, 0, 0, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Status_reports_policy_counters_and_an_empty_sa_source_honestly()
    {
        (ControlCommandHandler handler, _) = Build(new EmptySaSource());
        _time.Advance(TimeSpan.FromSeconds(90));
        ControlResponse response = await handler.HandleAsync(new ControlRequest { Command = "status" }, TestContext.Current.CancellationToken);
        StatusReport status = response.Status!;
        Assert.Equal(90, status.UptimeSeconds);
        Assert.False(status.IkeEngine);
        Assert.Equal(0, status.IkeSas);
        Assert.Equal("source", status.Policy.Origin);
        Assert.Equal(0, status.Counters["esp"]["inbound_sas"]);
        Assert.Equal(0, status.Counters["datapath"]["drops.no_sa"]);

        ControlResponse sas = await handler.HandleAsync(new ControlRequest { Command = "sas" }, TestContext.Current.CancellationToken);
        Assert.Empty(sas.Sas!);
    }

    [Fact]
    public async Task An_sa_source_feeds_status_and_sas()
    {
        var sa = new IkeSaInfo
        {
            PeerAddress = "198.18.0.2:500",
            State = "established",
            InitiatorSpi = "0000000000000001",
            ResponderSpi = "0000000000000002",
            Children = [new ChildSaInfo { State = "installed", Algorithms = "aes256gcm16", InboundSpi = "c0000001", OutboundSpi = "c0000002" }],
        };
        (ControlCommandHandler handler, _) = Build(new ListSaSource([sa, sa with { Children = [] }]));
        StatusReport status = (await handler.HandleAsync(new ControlRequest { Command = "status" }, TestContext.Current.CancellationToken)).Status!;
        Assert.True(status.IkeEngine);
        Assert.Equal(2, status.IkeSas);
        Assert.Equal(1, status.ChildSas);
        ControlResponse sas = await handler.HandleAsync(new ControlRequest { Command = "sas" }, TestContext.Current.CancellationToken);
        Assert.Equal(2, sas.Sas!.Count);
    }

    [Fact]
    public async Task Reload_reports_a_refused_configuration()
    {
        (ControlCommandHandler handler, string config) = Build(new EmptySaSource());
        File.WriteAllText(config, "{ \"policy\": ");
        ControlResponse response = await handler.HandleAsync(new ControlRequest { Command = "reload" }, TestContext.Current.CancellationToken);
        Assert.False(response.Ok);
        Assert.StartsWith($"configuration refused: {config}: 1:", response.Error, StringComparison.Ordinal);
    }

    private (ControlCommandHandler Handler, string ConfigPath) Build(ISaSource sas)
    {
        _dir.Write("p.pol", Figure1.Source);
        string path = _dir.Write("config.json", """{ "policy": { "source": "p.pol" }, "control": { "socket": "/run/x.sock" } }""");
        HostConfig config = ConfigLoader.Load(path).Config!;
        var state = new DaemonState(path, config, _time.GetUtcNow());
        var policy = new PolicyService(_time, NullLogger<PolicyService>.Instance);
        Assert.True(policy.Load(config));
        var reloader = new Reloader(state, policy, NullLogger<Reloader>.Instance);
        IStatusSource[] sources = [new EspStatusSource(new EspSaTable()), new DataPathStatusSource(new DataPathCounters())];
        return (new ControlCommandHandler(state, policy, sas, sources, reloader, _time), path);
    }

    private sealed class ListSaSource(IReadOnlyList<IkeSaInfo> sas) : ISaSource
    {
        public ValueTask<IReadOnlyList<IkeSaInfo>> GetSasAsync(CancellationToken cancellationToken) => ValueTask.FromResult(sas);
    }
}
