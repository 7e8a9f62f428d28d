namespace IpsecFw.Ike.Auth;

/// <summary>The outcome of path building or validation: the path (end entity first, without the anchor) and anchor, or why not.</summary>
internal sealed class ChainResult
{
    private ChainResult(AuthFailure failure, string detail, List<CertificateInfo> path, CertificateInfo? anchor)
    {
        Failure = failure;
        Detail = detail;
        Path = path;
        Anchor = anchor;
    }

    public AuthFailure Failure { get; }

    public string Detail { get; }

    public List<CertificateInfo> Path { get; }

    public CertificateInfo? Anchor { get; }

    public bool Succeeded => Failure == AuthFailure.None;

    public static ChainResult Ok(List<CertificateInfo> path, CertificateInfo anchor) => new(AuthFailure.None, string.Empty, path, anchor);

    public static ChainResult Fail(AuthFailure failure, string detail) => new(failure, detail, [], null);
}
