using IpsecFw.Spd.Distribution;

namespace IpsecFw.Host.Daemon;

/// <summary>What <see cref="PolicyService.ApplyPulled"/> did with a fetched bundle.</summary>
public sealed record PullResult
{
    private PullResult(PullResultKind kind, BundleError? error)
    {
        Kind = kind;
        Error = error;
    }

    /// <summary>Applied, unchanged or refused.</summary>
    public PullResultKind Kind { get; }

    /// <summary>Why it was refused.</summary>
    public BundleError? Error { get; }

    /// <summary>The bundle was verified, stored and installed.</summary>
    public static PullResult Applied { get; } = new(PullResultKind.Applied, null);

    /// <summary>The bundle is the one running.</summary>
    public static PullResult Unchanged { get; } = new(PullResultKind.Unchanged, null);

    /// <summary>The bundle was refused; the running policy stays.</summary>
    public static PullResult Refused(BundleError error) => new(PullResultKind.Refused, error);
}
