namespace IpsecFw.Host.Control;

/// <summary>What <c>ipsecfw status</c> shows (JSON on the control socket).</summary>
public sealed record StatusReport
{
    /// <summary>The daemon's version.</summary>
    public required string Version { get; init; }

    /// <summary>The daemon's process id.</summary>
    public int ProcessId { get; init; }

    /// <summary>When the daemon started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Seconds since start.</summary>
    public long UptimeSeconds { get; init; }

    /// <summary>The configuration file.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>The running policy.</summary>
    public required PolicyStatus Policy { get; init; }

    /// <summary>How many IKE SAs exist (from <see cref="ISaSource"/>).</summary>
    public int IkeSas { get; init; }

    /// <summary>How many CHILD SAs exist.</summary>
    public int ChildSas { get; init; }

    /// <summary>True when an IKE engine is plugged in; false while the daemon runs with <see cref="EmptySaSource"/>.</summary>
    public bool IkeEngine { get; init; }

    /// <summary>Counters by component (<see cref="IStatusSource.Component"/>), then by name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Counters { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, long>>();
}
