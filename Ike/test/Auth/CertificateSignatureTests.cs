using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Tests.Auth;

/// <summary>Sign/verify round trips of every AUTH method and key type, tampering, and methods that do not fit the key.</summary>
public sealed class CertificateSignatureTests
{
    private static readonly Lazy<Issued> s_root = new(() => TestPki.Root());

    public static TheoryData<KeyKind, ushort[], bool, AuthMethod> Cases()
    {
        var data = new TheoryData<KeyKind, ushort[], bool, AuthMethod>();
        foreach (KeyKind kind in Enum.GetValues<KeyKind>())
        {
            bool rsa = kind is KeyKind.Rsa2048 or KeyKind.Rsa3072;
            data.Add(kind, [2, 3, 4], false, AuthMethod.DigitalSignature);
            data.Add(kind, [2], false, AuthMethod.DigitalSignature);
            data.Add(kind, [3], false, AuthMethod.DigitalSignature);
            data.Add(kind, [1, 4], false, AuthMethod.DigitalSignature);
            data.Add(kind, [], false, rsa ? AuthMethod.DigitalSignature : kind switch
            {
                KeyKind.P256 => AuthMethod.EcdsaSha256P256,
                KeyKind.P384 => AuthMethod.EcdsaSha384P384,
                _ => AuthMethod.EcdsaSha512P521,
            });
            if (rsa)
            {
                data.Add(kind, [2, 3, 4], true, AuthMethod.DigitalSignature);
                data.Add(kind, [2], true, AuthMethod.DigitalSignature);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Round_trip(KeyKind kind, ushort[] peerHashes, bool pss, AuthMethod expectedMethod)
    {
        Issued ee = TestPki.EndEntity(s_root.Value, kind: kind);
        using LocalCredentials credentials = TestPki.Credentials(ee);
        CertificateAuthenticatorOptions options = AuthHarness.Options() with { UseRsaPss = pss };
        var signer = new CertificateAuthenticator(credentials, TestPki.Trust(s_root.Value), options);
        AuthPayload auth = signer.Sign(AuthHarness.Octets, peerHashes, AuthHarness.Prf);
        Assert.Equal(expectedMethod, auth.Method);
        if (auth.Method == AuthMethod.DigitalSignature)
        {
            // RFC 7427 3: the best common hash; the AlgorithmIdentifier names it and the key type.
            ushort best = peerHashes.Contains((ushort)4) ? (ushort)4 : peerHashes.Contains((ushort)3) ? (ushort)3 : (ushort)2;
            Assert.True(SignatureScheme.TryParse(auth.Data.AsSpan(1, auth.Data[0]), out SignatureScheme? scheme));
            Assert.Equal(best, scheme.HashNumber);
            Assert.Equal(kind is KeyKind.Rsa2048 or KeyKind.Rsa3072 ? SignatureKeyType.Rsa : SignatureKeyType.Ecdsa, scheme.KeyType);
            Assert.Equal(pss ? RsaPadding.Pss : kind is KeyKind.Rsa2048 or KeyKind.Rsa3072 ? RsaPadding.Pkcs1 : RsaPadding.None, scheme.Padding);
        }

        AuthVerification result = AuthHarness.Verifier(TestPki.Trust(s_root.Value))
            .Verify(AuthHarness.IdOf(signer.LocalId), signer.LocalCertificates, auth, AuthHarness.Octets, AuthHarness.Prf);
        Assert.True(result.Succeeded, result.Detail);

        // Tampered octets and a tampered signature are refused.
        byte[] otherOctets = (byte[])AuthHarness.Octets.Clone();
        otherOctets[17] ^= 1;
        Assert.Equal(AuthFailure.BadSignature, AuthHarness.Verifier(TestPki.Trust(s_root.Value))
            .Verify(AuthHarness.IdOf(signer.LocalId), signer.LocalCertificates, auth, otherOctets, AuthHarness.Prf).Failure);
        byte[] badSignature = (byte[])auth.Data.Clone();
        badSignature[^3] ^= 0x40;
        Assert.Equal(AuthFailure.BadSignature, AuthHarness.Verifier(TestPki.Trust(s_root.Value))
            .Verify(AuthHarness.IdOf(signer.LocalId), signer.LocalCertificates, new AuthPayload(auth.Method, badSignature), AuthHarness.Octets, AuthHarness.Prf).Failure);
    }

    [Fact]
    public void Rsa_classic_method_1_only_when_allowed_and_accepted_unless_refused()
    {
        Issued ee = TestPki.EndEntity(s_root.Value, kind: KeyKind.Rsa2048);
        CertificateAuthenticatorOptions allow = AuthHarness.Options() with { AllowRsaSha1Signing = true };
        using LocalCredentials credentials = TestPki.Credentials(ee);
        var signer = new CertificateAuthenticator(credentials, TestPki.Trust(s_root.Value), allow);
        AuthPayload auth = signer.Sign(AuthHarness.Octets, [], AuthHarness.Prf);
        Assert.Equal(AuthMethod.RsaDigitalSignature, auth.Method);
        Assert.Equal(256, auth.Data.Length);

        IdPayload id = AuthHarness.IdOf(signer.LocalId);
        Assert.True(AuthHarness.Verifier(TestPki.Trust(s_root.Value)).Verify(id, signer.LocalCertificates, auth, AuthHarness.Octets, AuthHarness.Prf).Succeeded);
        CertificateAuthenticatorOptions refuse = AuthHarness.Options() with { AcceptRsaSha1 = false };
        Assert.Equal(AuthFailure.UnsupportedMethod,
            AuthHarness.Verifier(TestPki.Trust(s_root.Value), refuse).Verify(id, signer.LocalCertificates, auth, AuthHarness.Octets, AuthHarness.Prf).Failure);
    }

    [Fact]
    public void Method_that_does_not_fit_the_key_is_unsupported()
    {
        Issued ecEe = TestPki.EndEntity(s_root.Value, kind: KeyKind.P256);
        Issued rsaEe = TestPki.EndEntity(s_root.Value, kind: KeyKind.Rsa2048);
        Issued rsaSigner = TestPki.EndEntity(s_root.Value, kind: KeyKind.Rsa2048);
        using LocalCredentials ec = TestPki.Credentials(ecEe);
        using LocalCredentials rsa = TestPki.Credentials(rsaEe);
        var ecAuth = new CertificateAuthenticator(ec, TestPki.Trust(s_root.Value), AuthHarness.Options());
        var rsaAuth = new CertificateAuthenticator(rsa, TestPki.Trust(s_root.Value), AuthHarness.Options());
        CertificateAuthenticator verifier = AuthHarness.Verifier(TestPki.Trust(s_root.Value));

        AuthPayload ecSig = ecAuth.Sign(AuthHarness.Octets, [], AuthHarness.Prf);
        AuthPayload rsaSig14 = rsaAuth.Sign(AuthHarness.Octets, [2], AuthHarness.Prf);
        AuthPayload ecSig14 = ecAuth.Sign(AuthHarness.Octets, [2], AuthHarness.Prf);

        // P-256 key, but the payload claims method 10 (P-384) or 1 (RSA).
        Assert.Equal(AuthFailure.UnsupportedMethod, Verify(verifier, ecAuth, new AuthPayload(AuthMethod.EcdsaSha384P384, ecSig.Data)));
        Assert.Equal(AuthFailure.UnsupportedMethod, Verify(verifier, ecAuth, new AuthPayload(AuthMethod.RsaDigitalSignature, ecSig.Data)));

        // RSA key with an ECDSA AlgorithmIdentifier, EC key with an RSA one (RFC 7427 4).
        byte[] mixed = [.. ecSig14.Data.AsSpan(0, 1 + ecSig14.Data[0]), .. rsaSig14.Data.AsSpan(1 + rsaSig14.Data[0])];
        Assert.Equal(AuthFailure.UnsupportedMethod, Verify(verifier, rsaAuth, new AuthPayload(AuthMethod.DigitalSignature, mixed)));
        Assert.Equal(AuthFailure.UnsupportedMethod, Verify(verifier, ecAuth, rsaSig14));

        // A PSK or NULL method with a certificate.
        Assert.Equal(AuthFailure.UnsupportedMethod, Verify(verifier, ecAuth, new AuthPayload(AuthMethod.SharedKeyMessageIntegrityCode, new byte[32])));
        Assert.Equal(AuthFailure.UnsupportedMethod, Verify(verifier, ecAuth, new AuthPayload(AuthMethod.NullAuthentication, [])));

        // Someone else's valid signature under this certificate.
        using LocalCredentials other = TestPki.Credentials(rsaSigner);
        AuthPayload foreign = new CertificateAuthenticator(other, TestPki.Trust(s_root.Value), AuthHarness.Options()).Sign(AuthHarness.Octets, [2], AuthHarness.Prf);
        Assert.Equal(AuthFailure.BadSignature, Verify(verifier, rsaAuth, foreign));
    }

    [Fact]
    public void Certificate_request_and_announced_hashes()
    {
        Issued root2 = TestPki.Root("Second Root", KeyKind.Rsa2048);
        Issued ee = TestPki.EndEntity(s_root.Value);
        Issued intermediate = TestPki.Intermediate(s_root.Value);
        using LocalCredentials credentials = TestPki.Credentials(ee, [intermediate]);
        var auth = new CertificateAuthenticator(credentials, TestPki.Trust(s_root.Value, root2));

        Assert.Equal([2, 3, 4], auth.SupportedSignatureHashes);
        Assert.Equal([ee.Der, intermediate.Der], auth.LocalCertificates.Select(c => c.Data));
        Assert.All(auth.LocalCertificates, c => Assert.Equal(CertEncoding.X509Signature, c.Encoding));

        // RFC 7296 3.7: SHA-1 of each anchor's SubjectPublicKeyInfo, concatenated.
        CertReqPayload req = auth.CertificateRequest!;
        Assert.Equal(CertEncoding.X509Signature, req.Encoding);
        IReadOnlyList<byte[]> hashes = req.GetCaKeyHashes();
        Assert.Equal(2, hashes.Count);
#pragma warning disable CA5350 // RFC 7296 3.7 prescribes SHA-1
        Assert.Equal(System.Security.Cryptography.SHA1.HashData(s_root.Value.Certificate.PublicKey.ExportSubjectPublicKeyInfo()), hashes[0]);
        Assert.Equal(System.Security.Cryptography.SHA1.HashData(root2.Certificate.PublicKey.ExportSubjectPublicKeyInfo()), hashes[1]);
#pragma warning restore CA5350

        // Default local ID: the subject as DER_ASN1_DN.
        Assert.Equal(IdType.DerAsn1Dn, auth.LocalId.Type);
        Assert.Equal(ee.Certificate.SubjectName.RawData, auth.LocalId.Data);
    }

    [Fact]
    public void Peer_identity_from_the_validated_certificate()
    {
        Issued intermediate = TestPki.Intermediate(s_root.Value, "Issuing CA");
        Issued ee = TestPki.EndEntity(intermediate, "CN=gw1.example.com,OU=eng,OU=web,O=Example");
        AuthVerification result = AuthHarness.Run(ee, [intermediate], TestPki.Trust(s_root.Value));
        Assert.True(result.Succeeded, result.Detail);
        Spd.Runtime.PeerIdentity id = result.Identity!;
        Assert.Equal("CN=gw1.example.com,OU=eng,OU=web,O=Example", id.SubjectDn);
        Assert.Equal("gw1.example.com", id.CommonName);
        Assert.Equal(["eng", "web"], id.OrganizationalUnits);
        Assert.Equal(["gw1.example.com"], id.DnsNames);
        Assert.Equal(["admin@example.com"], id.EmailAddresses);
        Assert.Equal(["urn:ipsecfw:group:web"], id.Uris);
        Assert.Equal("CN=Issuing CA,O=IpsecFw Test", id.IssuerDn);
        Assert.Equal(ee.Certificate.SerialNumber.TrimStart('0'), id.SerialHex.TrimStart('0'));
        Assert.Equal(ee.Certificate.NotBefore.ToUniversalTime(), id.NotBefore.UtcDateTime);
        Assert.Equal(ee.Certificate.NotAfter.ToUniversalTime(), id.NotAfter.UtcDateTime);
        Assert.Null(id.ExplicitVersion);
        Assert.Equal(20260502L, id.Version);
        Assert.Contains("CN=gw1.example.com", result.Detail, StringComparison.Ordinal);
    }

    private static AuthFailure Verify(CertificateAuthenticator verifier, CertificateAuthenticator peer, AuthPayload auth) =>
        verifier.Verify(AuthHarness.IdOf(peer.LocalId), peer.LocalCertificates, auth, AuthHarness.Octets, AuthHarness.Prf).Failure;
}
