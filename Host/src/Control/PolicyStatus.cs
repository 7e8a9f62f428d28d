namespace IpsecFw.Host.Control;

/// <summary>The running policy, in <c>ipsecfw status</c>.</summary>
public sealed record PolicyStatus
{
    /// <summary><c>source</c> (compiled at start) or <c>bundle</c> (signed), or <c>none</c> when nothing loaded.</summary>
    public required string Origin { get; init; }

    /// <summary>The snapshot's version: the bundle serial, or the number of successful loads for a source.</summary>
    public long Version { get; init; }

    /// <summary>SHA-256 of the canonical policy source, lower-case hex.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Where it was loaded from (a path; for a bundle the last-good store when the new file was refused).</summary>
    public string? LoadedFrom { get; init; }

    /// <summary>When it was loaded.</summary>
    public DateTimeOffset? LoadedAt { get; init; }

    /// <summary>When a bundle expires.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>How many rules it has.</summary>
    public int Rules { get; init; }

    /// <summary>Why the last load or reload was refused (the running policy stayed), or null.</summary>
    public string? LastError { get; init; }

    /// <summary>
    /// Per rule, how many new flows it allowed and denied on the data path since the policy was installed, in file
    /// order, the default deny last (index -1); null when the daemon has no data path filter. See <see cref="Control.RuleHits"/>.
    /// </summary>
    public IReadOnlyList<RuleHits>? RuleHits { get; init; }

    /// <summary>A warning about the running policy (an expired last-good bundle, for example), or null.</summary>
    public string? Warning { get; init; }
}
