using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Host.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>
/// The firewall service's life cycle against a stand-in for nft (a shell script that records its arguments and its
/// standard input and fails on request): installed at start, re-installed for each new policy and only then, a refused
/// ruleset keeps the previous table, removed at stop; nft absent or refusing the first table stops the start with the
/// key named. That real nft accepts the ruleset and that packets obey it is tested in interop-tests/Nftables.
/// </summary>
public sealed class NftablesFirewallTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 6, 0, 0, TimeSpan.Zero));
    private readonly string _log;
    private readonly string _fail;
    private readonly NftCommand _nft;

    public NftablesFirewallTests()
    {
        _log = _dir.File("nft.log");
        _fail = _dir.File("fail");
        string script = _dir.Write("nft", $$"""
            #!/bin/sh
            echo "ARGS $*" >> '{{_log}}'
            if [ "$1" = "-f" ]; then cat >> '{{_log}}'; fi
            if [ "$1" = "-j" ]; then cat '{{_dir.File("list.json")}}'; fi
            if [ -e '{{_fail}}' ]; then echo "Error: syntax error" >&2; exit 1; fi
            exit 0
            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _nft = new NftCommand(script);
        // What nft -j list table prints (trimmed from a real run): one counted rule.
        _dir.Write("list.json", """
            {"nftables": [{"metainfo": {"version": "1.0.6"}}, {"rule": {"family": "inet", "table": "fwtest", "chain": "input", "handle": 20,
              "comment": "ipsecfw default deny", "expr": [{"counter": {"packets": 7, "bytes": 420}}, {"drop": null}]}}]}
            """);
        _dir.Write("p.pol", Figure1.Source);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Start_installs_a_reload_with_a_new_policy_reinstalls_an_unchanged_one_does_not_and_stop_removes()
    {
        (NftablesFirewall firewall, PolicyService policy, HostConfig config) = Create(_nft);
        await firewall.StartAsync(CancellationToken.None);
        Assert.Equal(1, Count("ARGS -f -"));
        string log = File.ReadAllText(_log);
        Assert.Contains("delete table inet fwtest\ntable inet fwtest {", log, StringComparison.Ordinal);
        Assert.Contains("iifname \"ifwfw0\" accept", log, StringComparison.Ordinal);
        Assert.Contains("policy version 1", log, StringComparison.Ordinal);

        // The same source again: nothing changes, nothing is applied.
        Assert.True(policy.Load(config));
        Assert.Equal(1, Count("ARGS -f -"));

        // A new policy is applied in the same call that installs it.
        _dir.Write("p.pol", Figure1.SourceWithSsh);
        Assert.True(policy.Load(config));
        Assert.Equal(2, Count("ARGS -f -"));
        Assert.Contains("policy version 2", File.ReadAllText(_log), StringComparison.Ordinal);
        Assert.Equal(2, firewall.Counters["applied"]);
        Assert.False(firewall.Counters.ContainsKey("input_default_packets"));
        firewall.RefreshCounters();
        Assert.Equal(1, Count("ARGS -j list table inet fwtest"));
        Assert.Equal(7, firewall.Counters["input_default_packets"]);
        Assert.Equal(420, firewall.Counters["input_default_bytes"]);

        await firewall.StopAsync(CancellationToken.None);
        Assert.Equal(1, Count("ARGS delete table inet fwtest"));
        firewall.Dispose();
        Assert.Equal(1, Count("ARGS delete table inet fwtest"));

        // Stopped: a later policy is not applied.
        _dir.Write("p.pol", Figure1.Source);
        Assert.True(policy.Load(config));
        Assert.Equal(2, Count("ARGS -f -"));
    }

    [Fact]
    public async Task A_ruleset_nft_refuses_on_reload_keeps_the_previous_table_and_is_counted()
    {
        (NftablesFirewall firewall, PolicyService policy, HostConfig config) = Create(_nft);
        await firewall.StartAsync(CancellationToken.None);
        File.WriteAllText(_fail, string.Empty);
        _dir.Write("p.pol", Figure1.SourceWithSsh);
        Assert.True(policy.Load(config));
        Assert.Equal(2, Count("ARGS -f -"));
        Assert.Equal(1, firewall.Counters["apply_failures"]);
        Assert.Equal(1, firewall.Counters["applied"]);
        File.Delete(_fail);
        await firewall.StopAsync(CancellationToken.None);
        Assert.Equal(1, Count("ARGS delete table inet fwtest"));
    }

    [Fact]
    public async Task Nft_absent_or_refusing_the_first_table_stops_the_start_with_the_key_named()
    {
        (NftablesFirewall absent, _, _) = Create(null);
        var e = await Assert.ThrowsAsync<FirewallStartException>(() => absent.StartAsync(CancellationToken.None));
        Assert.Equal("firewall.nftables is true but the 'nft' command was not found (install nftables, or set firewall.nftables to false)", e.Message);

        File.WriteAllText(_fail, string.Empty);
        (NftablesFirewall refused, _, _) = Create(_nft);
        e = await Assert.ThrowsAsync<FirewallStartException>(() => refused.StartAsync(CancellationToken.None));
        Assert.Equal("firewall.nftables: nft refused the table 'inet fwtest': Error: syntax error", e.Message);
        refused.Dispose();
        Assert.Equal(0, Count("ARGS delete"));
    }

    [Fact]
    public async Task With_firewall_nftables_false_nothing_runs()
    {
        (NftablesFirewall firewall, _, _) = Create(_nft, enabled: false);
        await firewall.StartAsync(CancellationToken.None);
        await firewall.StopAsync(CancellationToken.None);
        Assert.False(File.Exists(_log));
        Assert.Null(firewall.Table);
    }

    private (NftablesFirewall Firewall, PolicyService Policy, HostConfig Config) Create(NftCommand? nft, bool enabled = true)
    {
        string path = _dir.Write("config.json", $$"""
            {
              "policy": { "source": "p.pol" },
              "firewall": { "nftables": {{(enabled ? "true" : "false")}}, "table": "fwtest" },
              "tun": { "name": "ifwfw0", "addresses": [ "198.18.9.1/24" ] },
              "control": { "socket": "{{_dir.File("c.sock")}}" }
            }
            """);
        ConfigLoadResult loaded = ConfigLoader.Load(path);
        Assert.True(loaded.Succeeded, string.Join("\n", loaded.FormatErrors()));
        var policy = new PolicyService(_time, NullLogger<PolicyService>.Instance);
        Assert.True(policy.Load(loaded.Config!));
        var state = new DaemonState(path, loaded.Config!, _time.GetUtcNow());
        return (new NftablesFirewall(state, policy, NullLogger<NftablesFirewall>.Instance, () => nft), policy, loaded.Config!);
    }

    private int Count(string prefix) =>
        File.Exists(_log) ? File.ReadAllLines(_log).Count(l => l.StartsWith(prefix, StringComparison.Ordinal)) : 0;
}
