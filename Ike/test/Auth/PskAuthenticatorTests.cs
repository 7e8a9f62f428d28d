using System.Security.Cryptography;
using System.Text;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Tests.Auth;

/// <summary>RFC 7296 2.15 shared-key AUTH.</summary>
public sealed class PskAuthenticatorTests
{
    private static readonly byte[] s_secret = Encoding.ASCII.GetBytes("a long enough test secret, 2026");

    [Theory]
    [InlineData(PrfAlgorithm.HmacSha256)]
    [InlineData(PrfAlgorithm.HmacSha384)]
    [InlineData(PrfAlgorithm.HmacSha512)]
    public void Round_trip_and_independent_computation(PrfAlgorithm algorithm)
    {
        Prf prf = Prf.Get(algorithm);
        using var a = new PskAuthenticator(s_secret, IdentityText.Parse("gw1.example.com"));
        using var b = new PskAuthenticator(s_secret, IdentityText.Parse("198.18.0.2"));
        AuthPayload auth = a.Sign(AuthHarness.Octets, [], prf);
        Assert.Equal(AuthMethod.SharedKeyMessageIntegrityCode, auth.Method);

        // AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), octets), here with HMAC computed directly.
        HashAlgorithmName hash = algorithm switch
        {
            PrfAlgorithm.HmacSha256 => HashAlgorithmName.SHA256,
            PrfAlgorithm.HmacSha384 => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };
        byte[] inner = CryptographicOperations.HmacData(hash, s_secret, "Key Pad for IKEv2"u8);
        Assert.Equal(CryptographicOperations.HmacData(hash, inner, AuthHarness.Octets), auth.Data);

        AuthVerification result = b.Verify(AuthHarness.IdOf(a.LocalId), [], auth, AuthHarness.Octets, prf);
        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal(["gw1.example.com"], result.Identity!.DnsNames);
        Assert.Empty(a.LocalCertificates);
        Assert.Null(a.CertificateRequest);
        Assert.Empty(a.SupportedSignatureHashes);
    }

    [Fact]
    public void Mismatch_wrong_method_and_expected_id()
    {
        Prf prf = AuthHarness.Prf;
        using var a = new PskAuthenticator(s_secret, IdentityText.Parse("admin@example.com"));
        using var wrongKey = new PskAuthenticator("another secret"u8, IdentityText.Parse("198.18.0.2"));
        AuthPayload auth = a.Sign(AuthHarness.Octets, [], prf);
        IdPayload id = AuthHarness.IdOf(a.LocalId);

        AuthVerification mismatch = wrongKey.Verify(id, [], auth, AuthHarness.Octets, prf);
        Assert.Equal(AuthFailure.BadSignature, mismatch.Failure);
        Assert.Contains("admin@example.com", mismatch.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", mismatch.Detail, StringComparison.Ordinal);

        using var b = new PskAuthenticator(s_secret, IdentityText.Parse("198.18.0.2"));
        Assert.Equal(AuthFailure.BadSignature, b.Verify(id, [], new AuthPayload(auth.Method, auth.Data[..^1]), AuthHarness.Octets, prf).Failure);
        Assert.Equal(AuthFailure.BadSignature, b.Verify(id, [], auth, AuthHarness.Octets.AsSpan(1), prf).Failure);
        Assert.Equal(AuthFailure.UnsupportedMethod, b.Verify(id, [], new AuthPayload(AuthMethod.DigitalSignature, auth.Data), AuthHarness.Octets, prf).Failure);

        using var strict = new PskAuthenticator(s_secret, IdentityText.Parse("198.18.0.2"), IdentityText.Parse("other@example.com"));
        Assert.Equal(AuthFailure.NotAllowed, strict.Verify(id, [], auth, AuthHarness.Octets, prf).Failure);
        using var exact = new PskAuthenticator(s_secret, IdentityText.Parse("198.18.0.2"), IdentityText.Parse("ADMIN@example.com"));
        AuthVerification ok = exact.Verify(id, [], auth, AuthHarness.Octets, prf);
        Assert.True(ok.Succeeded, ok.Detail);
        Assert.Equal(["admin@example.com"], ok.Identity!.EmailAddresses);
    }

    [Fact]
    public void Dn_identity_and_disposal()
    {
        LocalIdentity dn = IdentityText.Parse("CN=gw1.example.com,OU=eng,O=Example");
        var a = new PskAuthenticator(s_secret, dn);
        using var b = new PskAuthenticator(s_secret, IdentityText.Parse("198.18.0.2"));
        AuthVerification result = b.Verify(AuthHarness.IdOf(dn), [], a.Sign(AuthHarness.Octets, [], AuthHarness.Prf), AuthHarness.Octets, AuthHarness.Prf);
        Assert.True(result.Succeeded, result.Detail);
        Assert.Equal("CN=gw1.example.com,OU=eng,O=Example", result.Identity!.SubjectDn);
        Assert.Equal("gw1.example.com", result.Identity.CommonName);
        Assert.Equal(["eng"], result.Identity.OrganizationalUnits);

        a.Dispose();
        Assert.Throws<ObjectDisposedException>(() => a.Sign(AuthHarness.Octets, [], AuthHarness.Prf));
        Assert.Throws<ArgumentException>(() => new PskAuthenticator([], dn));
    }
}
