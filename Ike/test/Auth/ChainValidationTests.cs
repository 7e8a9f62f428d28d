using System.Security.Cryptography.X509Certificates;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Tests.Auth;

/// <summary>Every chain-related <see cref="AuthFailure"/>: trust, dates, constraints, key usage, revocation, malformed input.</summary>
public sealed class ChainValidationTests
{
    private const string CrlUrl = "http://crl.example.com/issuing.crl";

    private static readonly Lazy<Issued> s_root = new(() => TestPki.Root());
    private static readonly Lazy<Issued> s_intermediate = new(() => TestPki.Intermediate(s_root.Value, "Issuing CA"));

    private static Issued Root => s_root.Value;

    private static Issued Intermediate => s_intermediate.Value;

    [Fact]
    public void Valid_chain_through_an_intermediate()
    {
        Issued ee = TestPki.EndEntity(Intermediate);
        AuthVerification result = AuthHarness.Run(ee, [Intermediate], TestPki.Trust(Root));
        Assert.True(result.Succeeded, result.Detail);
        Assert.Contains("Issuing CA", result.Identity!.IssuerDn, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_ca_and_missing_intermediate_are_untrusted()
    {
        Issued otherRoot = TestPki.Root("Other Root");
        Issued ee = TestPki.EndEntity(otherRoot);
        AuthVerification unknown = AuthHarness.Run(ee, [], TestPki.Trust(Root));
        Assert.Equal(AuthFailure.UntrustedIssuer, unknown.Failure);
        Assert.Contains("CN=gw1.example.com", unknown.Detail, StringComparison.Ordinal);

        // Same name as the trusted root, different key: the signature decides.
        Issued impostor = TestPki.Root("IpsecFw Test Root");
        Assert.Equal(AuthFailure.UntrustedIssuer, AuthHarness.Run(TestPki.EndEntity(impostor), [], TestPki.Trust(Root)).Failure);

        Issued viaIntermediate = TestPki.EndEntity(Intermediate);
        Assert.Equal(AuthFailure.UntrustedIssuer, AuthHarness.Run(viaIntermediate, [], TestPki.Trust(Root)).Failure);
    }

    [Fact]
    public void Dates_of_every_certificate_are_checked()
    {
        Issued expired = TestPki.EndEntity(Root, notBefore: TestPki.Now.AddDays(-60), notAfter: TestPki.Now.AddDays(-1));
        Assert.Equal(AuthFailure.Expired, AuthHarness.Run(expired, [], TestPki.Trust(Root)).Failure);

        Issued future = TestPki.EndEntity(Root, notBefore: TestPki.Now.AddDays(1), notAfter: TestPki.Now.AddDays(60));
        Assert.Equal(AuthFailure.NotYetValid, AuthHarness.Run(future, [], TestPki.Trust(Root)).Failure);

        Issued oldIntermediate = TestPki.Intermediate(Root, "Old CA", notBefore: TestPki.Now.AddDays(-90), notAfter: TestPki.Now.AddDays(-2));
        Issued ee = TestPki.EndEntity(oldIntermediate, notBefore: TestPki.Now.AddDays(-30), notAfter: TestPki.Now.AddDays(30));
        AuthVerification result = AuthHarness.Run(ee, [oldIntermediate], TestPki.Trust(Root));
        Assert.Equal(AuthFailure.Expired, result.Failure);
        Assert.Contains("Old CA", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_usage_and_basic_constraints()
    {
        Issued noSign = TestPki.EndEntity(Root, usage: X509KeyUsageFlags.KeyEncipherment);
        Assert.Equal(AuthFailure.KeyUsage, AuthHarness.Run(noSign, [], TestPki.Trust(Root)).Failure);

        // No keyUsage at all is fine (RFC 5280 4.2.1.3 makes it optional).
        Issued noUsage = TestPki.EndEntity(Root, usage: null);
        Assert.True(AuthHarness.Run(noUsage, [], TestPki.Trust(Root)).Succeeded);

        Issued notCa = TestPki.Intermediate(Root, "Not A CA", ca: false);
        Assert.Equal(AuthFailure.KeyUsage, AuthHarness.Run(TestPki.EndEntity(notCa), [notCa], TestPki.Trust(Root)).Failure);

        Issued noCertSign = TestPki.Intermediate(Root, "CRL Only CA", usage: X509KeyUsageFlags.CrlSign);
        Assert.Equal(AuthFailure.KeyUsage, AuthHarness.Run(TestPki.EndEntity(noCertSign), [noCertSign], TestPki.Trust(Root)).Failure);

        Issued shortRoot = TestPki.Root("Short Root", pathLength: 0);
        Issued under = TestPki.Intermediate(shortRoot, "Under Short");
        Assert.Equal(AuthFailure.KeyUsage, AuthHarness.Run(TestPki.EndEntity(under), [under], TestPki.Trust(shortRoot)).Failure);
        Assert.True(AuthHarness.Run(TestPki.EndEntity(shortRoot), [], TestPki.Trust(shortRoot)).Succeeded);
    }

    [Fact]
    public void Revoked_by_a_configured_crl()
    {
        Issued ee = TestPki.EndEntity(Intermediate);
        Issued good = TestPki.EndEntity(Intermediate);
        byte[] crl = TestPki.Crl(Intermediate, [ee.Certificate]);
        TrustStore trust = TrustStore.FromDer([Root.Der], [crl]);

        AuthVerification revoked = AuthHarness.Run(ee, [Intermediate], trust);
        Assert.Equal(AuthFailure.Revoked, revoked.Failure);
        Assert.Contains("revoked", revoked.Detail, StringComparison.Ordinal);

        // Required: the intermediate itself has no CRL from the root yet.
        Assert.Equal(AuthFailure.RevocationUnknown, AuthHarness.Run(good, [Intermediate], trust, AuthHarness.Options(RevocationPolicy.Required)).Failure);

        byte[] rootCrl = TestPki.Crl(Root, []);
        TrustStore both = TrustStore.FromDer([Root.Der], [crl, rootCrl]);
        Assert.True(AuthHarness.Run(good, [Intermediate], both, AuthHarness.Options(RevocationPolicy.Required)).Succeeded);
        Assert.Equal(AuthFailure.Revoked, AuthHarness.Run(ee, [Intermediate], both, AuthHarness.Options(RevocationPolicy.Required)).Failure);

        // With revocation off, the CRL is not consulted.
        Assert.True(AuthHarness.Run(ee, [Intermediate], trust, AuthHarness.Options(RevocationPolicy.None)).Succeeded);
    }

    [Fact]
    public void Revoked_by_a_crl_from_the_distribution_point()
    {
        Issued ee = TestPki.EndEntity(Root, crlUrl: CrlUrl);
        var fetcher = new FakeCrlFetcher();
        fetcher.Serve(CrlUrl, TestPki.Crl(Root, [ee.Certificate]));
        CertificateAuthenticator verifier = AuthHarness.Verifier(TestPki.Trust(Root), AuthHarness.Options(RevocationPolicy.IfAvailable, fetcher));
        using LocalCredentials credentials = TestPki.Credentials(ee);
        var peer = new CertificateAuthenticator(credentials, TestPki.Trust(Root));
        AuthPayload auth = peer.Sign(AuthHarness.Octets, AuthHarness.AllHashes, AuthHarness.Prf);

        Assert.Equal(AuthFailure.Revoked, verifier.Verify(AuthHarness.IdOf(peer.LocalId), peer.LocalCertificates, auth, AuthHarness.Octets, AuthHarness.Prf).Failure);
        Assert.Equal(new Uri(CrlUrl), Assert.Single(fetcher.Urls));

        // Cached until nextUpdate: a second verification does not fetch again.
        Assert.Equal(AuthFailure.Revoked, verifier.Verify(AuthHarness.IdOf(peer.LocalId), peer.LocalCertificates, auth, AuthHarness.Octets, AuthHarness.Prf).Failure);
        Assert.Equal(1, fetcher.Requests);

        // A bad AUTH signature never triggers a fetch.
        var fetcher2 = new FakeCrlFetcher();
        CertificateAuthenticator verifier2 = AuthHarness.Verifier(TestPki.Trust(Root), AuthHarness.Options(RevocationPolicy.Required, fetcher2));
        byte[] bad = (byte[])auth.Data.Clone();
        bad[^1] ^= 1;
        Assert.Equal(AuthFailure.BadSignature, verifier2.Verify(AuthHarness.IdOf(peer.LocalId), peer.LocalCertificates, new AuthPayload(auth.Method, bad), AuthHarness.Octets, AuthHarness.Prf).Failure);
        Assert.Equal(0, fetcher2.Requests);
    }

    [Fact]
    public void Fetched_crl_that_does_not_list_the_certificate()
    {
        Issued ee = TestPki.EndEntity(Root, crlUrl: CrlUrl);
        var fetcher = new FakeCrlFetcher();
        fetcher.Serve(CrlUrl, TestPki.Crl(Root, []));
        Assert.True(AuthHarness.Run(ee, [], TestPki.Trust(Root), AuthHarness.Options(RevocationPolicy.Required, fetcher)).Succeeded);
    }

    [Fact]
    public void Required_revocation_without_a_usable_crl()
    {
        Issued ee = TestPki.EndEntity(Root, crlUrl: CrlUrl);

        // No CRL anywhere (the fetcher has nothing at that URL).
        var empty = new FakeCrlFetcher();
        Assert.Equal(AuthFailure.RevocationUnknown, AuthHarness.Run(ee, [], TestPki.Trust(Root), AuthHarness.Options(RevocationPolicy.Required, empty)).Failure);
        Assert.True(AuthHarness.Run(ee, [], TestPki.Trust(Root), AuthHarness.Options(RevocationPolicy.IfAvailable, empty)).Succeeded);

        // A CRL past its nextUpdate.
        byte[] stale = TestPki.Crl(Root, [], TestPki.Now.AddDays(-10), TestPki.Now.AddDays(-3));
        Assert.Equal(AuthFailure.RevocationUnknown,
            AuthHarness.Run(ee, [], TrustStore.FromDer([Root.Der], [stale]), AuthHarness.Options(RevocationPolicy.Required)).Failure);

        // A CRL with the issuer's name but signed by another key.
        Issued impostor = TestPki.Root("IpsecFw Test Root");
        byte[] forged = TestPki.Crl(impostor, []);
        Assert.Equal(AuthFailure.RevocationUnknown,
            AuthHarness.Run(ee, [], TrustStore.FromDer([Root.Der], [forged]), AuthHarness.Options(RevocationPolicy.Required)).Failure);

        // Garbage from the distribution point.
        var garbage = new FakeCrlFetcher();
        garbage.Serve(CrlUrl, [0x30, 0x03, 0x02, 0x01, 0x00]);
        Assert.Equal(AuthFailure.RevocationUnknown, AuthHarness.Run(ee, [], TestPki.Trust(Root), AuthHarness.Options(RevocationPolicy.Required, garbage)).Failure);
    }

    [Fact]
    public void No_certificate_malformed_and_too_many()
    {
        Issued ee = TestPki.EndEntity(Root);
        using LocalCredentials credentials = TestPki.Credentials(ee);
        var peer = new CertificateAuthenticator(credentials, TestPki.Trust(Root));
        AuthPayload auth = peer.Sign(AuthHarness.Octets, AuthHarness.AllHashes, AuthHarness.Prf);
        CertificateAuthenticator verifier = AuthHarness.Verifier(TestPki.Trust(Root));
        IdPayload id = AuthHarness.IdOf(peer.LocalId);

        Assert.Equal(AuthFailure.NoCertificate, verifier.Verify(id, [], auth, AuthHarness.Octets, AuthHarness.Prf).Failure);
        Assert.Equal(AuthFailure.NoCertificate,
            verifier.Verify(id, [new CertPayload(CertEncoding.HashAndUrlX509, new byte[40])], auth, AuthHarness.Octets, AuthHarness.Prf).Failure);

        byte[] truncated = ee.Der[..^10];
        Assert.Equal(AuthFailure.MalformedCertificate,
            verifier.Verify(id, [new CertPayload(CertEncoding.X509Signature, truncated)], auth, AuthHarness.Octets, AuthHarness.Prf).Failure);
        byte[] trailing = [.. ee.Der, 0x00];
        Assert.Equal(AuthFailure.MalformedCertificate,
            verifier.Verify(id, [new CertPayload(CertEncoding.X509Signature, trailing)], auth, AuthHarness.Octets, AuthHarness.Prf).Failure);
        Assert.Equal(AuthFailure.MalformedCertificate,
            verifier.Verify(id, [ee.Payload, new CertPayload(CertEncoding.X509Signature, [0x30, 0x80])], auth, AuthHarness.Octets, AuthHarness.Prf).Failure);

        CertPayload[] nine = Enumerable.Repeat(ee.Payload, 9).ToArray();
        AuthVerification tooMany = verifier.Verify(id, nine, auth, AuthHarness.Octets, AuthHarness.Prf);
        Assert.Equal(AuthFailure.MalformedCertificate, tooMany.Failure);
        Assert.Contains("at most 8", tooMany.Detail, StringComparison.Ordinal);

        // Eight (the end entity repeated) is within the bound and still verifies.
        Assert.True(verifier.Verify(id, nine[..8], auth, AuthHarness.Octets, AuthHarness.Prf).Succeeded);
    }

    [Fact]
    public void Chain_longer_than_the_bound_is_refused()
    {
        var chain = new List<Issued> { Root };
        for (int i = 0; i < 9; i++)
        {
            chain.Add(TestPki.Intermediate(chain[^1], $"Level {i}"));
        }

        Issued ee = TestPki.EndEntity(chain[^1]);
        var options = AuthHarness.Options() with { MaxPeerCertificates = 16 };
        AuthVerification result = AuthHarness.Run(ee, chain.Skip(1).Reverse().ToArray(), TestPki.Trust(Root), options);
        Assert.Equal(AuthFailure.UntrustedIssuer, result.Failure);
    }

    [Fact]
    public void Http_fetcher_refuses_other_schemes_without_any_traffic()
    {
        using var fetcher = new HttpCrlFetcher(TimeSpan.FromSeconds(1));
        Assert.Null(fetcher.Fetch(new Uri("ldap://ldap.example.com/cn=crl"), CancellationToken.None));
        Assert.Null(fetcher.Fetch(new Uri("file:///etc/passwd"), CancellationToken.None));
        Assert.Equal(TimeSpan.FromSeconds(1), fetcher.Timeout);
    }
}
