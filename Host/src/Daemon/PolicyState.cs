using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Daemon;

/// <summary>A policy the daemon enforces: the compiled snapshot, this host's specialisation of it, and where it came from. Immutable.</summary>
/// <param name="Origin"><c>source</c> or <c>bundle</c>.</param>
/// <param name="Snapshot">The compiled policy as the administrator wrote it.</param>
/// <param name="Local">The snapshot specialised for this host's identity and addresses (what the data path asks).</param>
/// <param name="Sha256">SHA-256 of the canonical source, hex.</param>
/// <param name="LoadedFrom">The file it was read from.</param>
/// <param name="LoadedAt">When it was loaded.</param>
/// <param name="ExpiresAt">A bundle's expiry, or null for a source.</param>
/// <param name="Warning">A warning to show with it (an expired last-good bundle), or null.</param>
/// <param name="RawBytes">For a bundle: its bytes, so a reload of the same file is recognised as no change.</param>
public sealed record PolicyState(
    string Origin, PolicySnapshot Snapshot, PolicySnapshot Local, string Sha256, string LoadedFrom, DateTimeOffset LoadedAt,
    DateTimeOffset? ExpiresAt, string? Warning, byte[]? RawBytes)
{
    /// <summary>The policy source text (for the rule lines in <c>status</c> and in the data path's logs), or null.</summary>
    public string? Source { get; init; }
}
