using System.Globalization;
using IpsecFw.Host.Configuration;
using IpsecFw.Spd.Nftables;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Keeps the kernel's nftables table (<c>firewall.table</c>) equal to the running policy for traffic in clear
/// (<see cref="NftRulesetBuilder"/>): installed at start, after the policy (replacing a table a crashed daemon left),
/// re-installed whenever <see cref="PolicyService"/> installs a new policy (reload, new bundle), deleted at stop. Each
/// install is one <c>nft -f -</c> transaction that creates, deletes and rebuilds the table, so a reload never leaves a gap
/// and nothing of a table left by a crash survives;
/// when nft refuses a new ruleset the previous table stays and the failure is logged and counted. Start fails with a
/// <see cref="FirewallStartException"/> when nft is absent or refuses the first table. Applies are serialised.
/// </summary>
public sealed class NftablesFirewall : IHostedService, IDisposable
{
    private readonly DaemonState _state;
    private readonly PolicyService _policy;
    private readonly ILogger _logger;
    private readonly Func<NftCommand?> _find;
    private readonly Lock _lock = new();
    private NftCommand? _nft;
    private NftOptions? _options;
    private bool _installed;
    private long _applied, _failures;
    private IReadOnlyDictionary<string, long> _kernelCounters = new Dictionary<string, long>();

    /// <summary>A firewall that finds nft on the system (<see cref="NftCommand.Find"/>).</summary>
    public NftablesFirewall(DaemonState state, PolicyService policy, ILogger<NftablesFirewall> logger)
        : this(state, policy, logger, NftCommand.Find)
    {
    }

    /// <summary>A firewall with another way to find nft (tests).</summary>
    internal NftablesFirewall(DaemonState state, PolicyService policy, ILogger<NftablesFirewall> logger, Func<NftCommand?> find)
    {
        _state = state;
        _policy = policy;
        _logger = logger;
        _find = find;
    }

    /// <summary>The table this daemon maintains (<c>inet NAME</c>), or null when the firewall is off or not started.</summary>
    public string? Table => _options is null ? null : "inet " + _options.Table;

    /// <summary>
    /// The counters for <c>ipsecfw status</c>: installs and refused installs, and the rules' packets and bytes as the
    /// last <see cref="RefreshCounters"/> read them (never blocks).
    /// </summary>
    public IReadOnlyDictionary<string, long> Counters => new Dictionary<string, long>(Volatile.Read(ref _kernelCounters), StringComparer.Ordinal)
    {
        ["applied"] = Interlocked.Read(ref _applied),
        ["apply_failures"] = Interlocked.Read(ref _failures),
    };

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        HostConfig config = _state.Config;
        if (!config.Firewall.Nftables)
        {
            FirewallLog.Disabled(_logger);
            return Task.CompletedTask;
        }

        _nft = _find() ?? throw new FirewallStartException(
            "firewall.nftables is true but the 'nft' command was not found (install nftables, or set firewall.nftables to false)");
        _options = new NftOptions
        {
            Table = config.Firewall.Table,
            TunDevice = config.Tun?.Name,
            IkePort = config.Ike.Port,
            NatPort = config.Ike.NatPort,
            EventGroup = Events.NflogReader.Group(config) is > 0 and int group ? group : null,
            EventRate = config.Events?.NflogRate ?? 50,
            RawEsp = config.Ike.Encapsulation == EspEncapsulation.Auto,
        };
        PolicyState current = _policy.Current ?? throw new FirewallStartException("firewall: no policy is loaded");
        if (Apply(current) is { } error)
        {
            throw new FirewallStartException($"firewall.nftables: nft refused the table '{Table}': {error}");
        }

        _policy.Installed += OnPolicyInstalled;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Remove();
        return Task.CompletedTask;
    }

    /// <summary>Removes the table if this daemon still has it installed (also after a failed start of a later service).</summary>
    public void Dispose() => Remove();

    /// <summary>Reads the rules' counters from the kernel into <see cref="Counters"/> (<c>nft -j list table</c>).</summary>
    public void RefreshCounters()
    {
        NftCommand? nft = _nft;
        NftOptions? options = _options;
        if (nft is null || options is null)
        {
            return;
        }

        (int code, string output, string error) = nft.Run(["-j", "list", "table", "inet", options.Table]);
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        string? why = error;
        if (code != 0 || !NftCounterReader.TryRead(output, counters, out why))
        {
            FirewallLog.CountersUnreadable(_logger, why ?? string.Empty);
        }

        Volatile.Write(ref _kernelCounters, counters);
    }

    private void OnPolicyInstalled(PolicyState state) => Apply(state);

    /// <summary>Installs the ruleset for <paramref name="state"/>; null on success, else nft's complaint.</summary>
    private string? Apply(PolicyState state)
    {
        lock (_lock)
        {
            if (_nft is null || _options is null)
            {
                return "the firewall is not running";
            }

            string? error;
            string ruleset = string.Empty;
            try
            {
                ruleset = NftRulesetBuilder.Build(state.Local, _options);
                (int code, _, string stderr) = _nft.Run(["-f", "-"], ruleset);
                error = code == 0 ? null : (stderr.Length > 0 ? stderr : $"nft exited with code {code}");
            }
            catch (ArgumentException e)
            {
                error = e.Message;
            }

            if (error is null)
            {
                _installed = true;
                Interlocked.Increment(ref _applied);
                FirewallLog.Applied(_logger, Table!, state.Snapshot.Version, ruleset.Count(c => c == '\n'));
            }
            else
            {
                Interlocked.Increment(ref _failures);
                FirewallLog.ApplyFailed(_logger, Table!, state.Snapshot.Version, error);
            }

            return error;
        }
    }

    private void Remove()
    {
        _policy.Installed -= OnPolicyInstalled;
        lock (_lock)
        {
            if (!_installed || _nft is null || _options is null)
            {
                return;
            }

            (int code, _, string error) = _nft.Run(["delete", "table", "inet", _options.Table]);
            _installed = false;
            if (code == 0)
            {
                FirewallLog.Removed(_logger, Table!);
            }
            else
            {
                FirewallLog.RemoveFailed(_logger, Table!, error.Length > 0 ? error : code.ToString(CultureInfo.InvariantCulture));
            }
        }
    }
}
