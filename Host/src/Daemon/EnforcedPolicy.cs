using System.Collections.Concurrent;
using IpsecFw.Host.Control;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// What the data path enforces at one moment: this host's specialised snapshot, the peer behind every installed SA
/// with its grant under that snapshot (by inbound and outbound SPI), and how often each rule decided. Replaced as a
/// whole when a policy is installed, so a packet never meets a snapshot with grants from another one.
/// </summary>
/// <remarks>
/// Safe for concurrent use: the SA map is a <see cref="ConcurrentDictionary{TKey, TValue}"/> (lock-free reads) and the
/// hit counters are interlocked. A hit is one decision, i.e. the first packet of a new flow, not every packet.
/// </remarks>
internal sealed class EnforcedPolicy
{
    private readonly long[] _allowed;
    private readonly long[] _denied;
    private readonly string[] _sourceLines;
    private readonly Dictionary<string, Verdict> _keyed = new(StringComparer.Ordinal);
    private long _defaultDenied;

    public EnforcedPolicy(PolicySnapshot local, string? source)
    {
        Local = local;
        _allowed = new long[local.Rules.Count];
        _denied = new long[local.Rules.Count];
        _sourceLines = source?.Split('\n') ?? [];
        foreach (int i in local.OutboundRules)
        {
            CompiledRule rule = local.Rules[i];
            if (rule.Verdict.Keyed && rule.Verdict.IsAllowed && rule.Process is { } program)
            {
                _keyed.TryAdd(program, rule.Verdict);
            }
        }
    }

    /// <summary>
    /// The first <c>keyed</c> allow rule for <paramref name="program"/> among those this host enforces outbound: it
    /// decides the new connections that arrive on a CHILD_SA dedicated to that program. Null when the policy has none
    /// (any more).
    /// </summary>
    public Verdict? KeyedRule(string program) => _keyed.TryGetValue(program, out Verdict v) ? v : null;

    /// <summary>The snapshot specialised for this host (<see cref="PolicyState.Local"/>).</summary>
    public PolicySnapshot Local { get; }

    /// <summary>The peer of each installed SA, by its inbound and by its outbound SPI.</summary>
    public ConcurrentDictionary<uint, SaPeer> Peers { get; } = new();

    /// <summary>Counts one decision against its rule (or the default deny).</summary>
    public void CountHit(in Verdict verdict)
    {
        if (verdict.IsDefault)
        {
            Interlocked.Increment(ref _defaultDenied);
        }
        else if ((uint)verdict.RuleIndex < (uint)_allowed.Length)
        {
            Interlocked.Increment(ref (verdict.IsAllowed ? _allowed : _denied)[verdict.RuleIndex]);
        }
    }

    /// <summary>The rule's source line, trimmed, or null when the source is not at hand.</summary>
    public string? LineText(int line) => line >= 1 && line <= _sourceLines.Length ? _sourceLines[line - 1].Trim() : null;

    /// <summary>A short description of the deciding rule for logs: <c>rule 3 (line 7: allow ntp(...);)</c> or <c>the default deny</c>.</summary>
    public string Describe(in Verdict verdict) =>
        verdict.IsDefault ? "the default deny" : $"rule {verdict.RuleIndex} (line {verdict.Line}: {LineText(verdict.Line) ?? "?"})";

    /// <summary>Every rule's hits in file order, then the default deny as index -1.</summary>
    public IReadOnlyList<RuleHits> Hits()
    {
        var list = new List<RuleHits>(_allowed.Length + 1);
        foreach (CompiledRule rule in Local.Rules)
        {
            list.Add(new RuleHits
            {
                Index = rule.Index,
                Line = rule.Line,
                Action = rule.Action.ToString().ToLowerInvariant(),
                Text = LineText(rule.Line),
                Allowed = Interlocked.Read(ref _allowed[rule.Index]),
                Denied = Interlocked.Read(ref _denied[rule.Index]),
            });
        }

        list.Add(new RuleHits { Index = -1, Line = 0, Action = "deny", Text = "default deny", Denied = Interlocked.Read(ref _defaultDenied) });
        return list;
    }
}
