using System.Security.Cryptography;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Ike.Tests.Auth;

/// <summary>Signs as one side and verifies as the other, with a fixed clock and fixed signed octets.</summary>
public static class AuthHarness
{
    public static readonly Prf Prf = Prf.Get(PrfAlgorithm.HmacSha256);

    public static readonly IReadOnlyList<ushort> AllHashes = [SignatureHash.Sha256, SignatureHash.Sha384, SignatureHash.Sha512];

    private static readonly Lazy<Issued> s_verifierSelf = new(() => TestPki.Root("Verifier Self", KeyKind.P256));

    public static byte[] Octets { get; } = RandomNumberGenerator.GetBytes(300);

    public static FakeTimeProvider Clock() => new(TestPki.Now);

    public static CertificateAuthenticatorOptions Options(RevocationPolicy revocation = RevocationPolicy.IfAvailable, ICrlFetcher? fetcher = null) =>
        new() { Revocation = revocation, CrlFetcher = fetcher, TimeProvider = Clock() };

    /// <summary>The verifying side: its own credentials do not matter, only its trust and options.</summary>
    public static CertificateAuthenticator Verifier(TrustStore trust, CertificateAuthenticatorOptions? options = null) =>
        new(TestPki.Credentials(s_verifierSelf.Value), trust, options ?? Options());

    public static IdPayload IdOf(LocalIdentity id) => new(true, id.Type, id.Data);

    /// <summary>The peer signs with <paramref name="ee"/> (and sends the intermediates); the verifier uses <paramref name="trust"/>.</summary>
    public static AuthVerification Run(Issued ee, Issued[] intermediates, TrustStore trust, CertificateAuthenticatorOptions? verifierOptions = null,
        IReadOnlyList<ushort>? peerHashes = null, CertificateAuthenticatorOptions? signerOptions = null, string? localId = null)
    {
        using LocalCredentials credentials = TestPki.Credentials(ee, intermediates, localId);
        var signer = new CertificateAuthenticator(credentials, trust, signerOptions ?? Options());
        AuthPayload auth = signer.Sign(Octets, peerHashes ?? AllHashes, Prf);
        return Verifier(trust, verifierOptions).Verify(IdOf(signer.LocalId), signer.LocalCertificates, auth, Octets, Prf);
    }
}
