using IpsecFw.Spd.Runtime;

namespace IpsecFw.Ike.Auth;

/// <summary>The verdict on a peer's IKE_AUTH: its authenticated identity, or why not.</summary>
public sealed class AuthVerification
{
    private AuthVerification(AuthFailure failure, string detail, PeerIdentity? identity)
    {
        Failure = failure;
        Detail = detail;
        Identity = identity;
    }

    /// <summary>True when the peer is authenticated.</summary>
    public bool Succeeded => Failure == AuthFailure.None;

    /// <summary>The reason for refusal, or <see cref="AuthFailure.None"/>.</summary>
    public AuthFailure Failure { get; }

    /// <summary>A plain sentence for the log (no key material).</summary>
    public string Detail { get; }

    /// <summary>The peer's identity as the SPD sees it, when authenticated.</summary>
    public PeerIdentity? Identity { get; }

    /// <summary>A success.</summary>
    public static AuthVerification Success(PeerIdentity identity, string detail) => new(AuthFailure.None, detail, identity);

    /// <summary>A refusal.</summary>
    public static AuthVerification Fail(AuthFailure failure, string detail) => new(failure, detail, null);
}
