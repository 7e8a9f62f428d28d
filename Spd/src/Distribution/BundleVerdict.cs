using System.Diagnostics.CodeAnalysis;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Distribution;

/// <summary>
/// The outcome of <see cref="BundleVerifier.Verify"/> or of the <see cref="BundleStore"/>: either accepted, with the
/// bundle, its policy and the compiled snapshot, or refused, with a typed <see cref="Error"/>.
/// </summary>
public sealed class BundleVerdict
{
    private BundleVerdict(BundleError? error, PolicyBundle? bundle, PolicySnapshot? snapshot, bool isExpired, string? warning)
    {
        Error = error;
        Bundle = bundle;
        Snapshot = snapshot;
        IsExpired = isExpired;
        Warning = warning;
    }

    /// <summary>True when the bundle was accepted.</summary>
    [MemberNotNullWhen(true, nameof(Bundle), nameof(Snapshot))]
    public bool IsAccepted => Bundle is not null && Snapshot is not null;

    /// <summary>Why it was refused; null when accepted.</summary>
    public BundleError? Error { get; }

    /// <summary>The refusal's kind; null when accepted.</summary>
    public BundleErrorKind? Reason => Error?.Kind;

    /// <summary>The accepted bundle.</summary>
    public PolicyBundle? Bundle { get; }

    /// <summary>The accepted bundle's compiled policy.</summary>
    public CompiledPolicy? Policy => Bundle?.Policy;

    /// <summary>
    /// The policy compiled by this host's compiler, with the bundle's serial as its
    /// <see cref="PolicySnapshot.Version"/> (serials above <see cref="long.MaxValue"/> give <see cref="long.MaxValue"/>).
    /// Not yet specialised for the host.
    /// </summary>
    public PolicySnapshot? Snapshot { get; }

    /// <summary>
    /// Only from <see cref="BundleStore.Load"/>: the last good bundle has expired. It is still returned, and enforced
    /// (see <see cref="BundleStore"/>), and <see cref="Warning"/> says so.
    /// </summary>
    public bool IsExpired { get; }

    /// <summary>Something the administrator should know about an accepted bundle (an expired last good policy).</summary>
    public string? Warning { get; }

    /// <summary>"accepted ..." or the refusal.</summary>
    public override string ToString() =>
        IsAccepted ? $"accepted {Bundle}{(Warning is null ? "" : "; " + Warning)}" : $"refused: {Error}";

    internal static BundleVerdict Refused(BundleError error) => new(error, null, null, false, null);

    internal static BundleVerdict Refused(BundleErrorKind kind, string message) => Refused(new BundleError(kind, message));

    internal static BundleVerdict Accepted(PolicyBundle bundle, PolicySnapshot snapshot, bool isExpired = false,
        string? warning = null) => new(null, bundle, snapshot, isExpired, warning);
}
