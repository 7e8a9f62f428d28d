using System.Diagnostics;
using System.Security.Cryptography;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace IpsecFw.Ike.Tests.Auth;

/// <summary>
/// Our signature formats against independent implementations: BouncyCastle's signers (both directions) and the
/// openssl CLI (both directions, skipped when openssl is absent).
/// </summary>
public sealed class SignatureInteropTests
{
    private static readonly Lazy<Issued> s_root = new(() => TestPki.Root());

    public static TheoryData<KeyKind, ushort, bool> Keys()
    {
        var data = new TheoryData<KeyKind, ushort, bool>();
        foreach (KeyKind kind in Enum.GetValues<KeyKind>())
        {
            data.Add(kind, SignatureHash.Sha256, false);
            data.Add(kind, SignatureHash.Sha512, false);
            if (kind is KeyKind.Rsa2048 or KeyKind.Rsa3072)
            {
                data.Add(kind, SignatureHash.Sha384, true);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void BouncyCastle_verifies_what_we_sign(KeyKind kind, ushort hash, bool pss)
    {
        Issued ee = TestPki.EndEntity(s_root.Value, kind: kind);
        using LocalCredentials credentials = TestPki.Credentials(ee);
        var signer = new CertificateAuthenticator(credentials, TestPki.Trust(s_root.Value), AuthHarness.Options() with { UseRsaPss = pss });
        AsymmetricKeyParameter publicKey = PublicKeyFactory.CreateKey(ee.Certificate.PublicKey.ExportSubjectPublicKeyInfo());

        AuthPayload auth = signer.Sign(AuthHarness.Octets, [hash], AuthHarness.Prf);
        byte[] signature = auth.Data[(1 + auth.Data[0])..];
        Assert.True(BcVerify(BcAlgorithm(kind, hash, pss, plain: false), publicKey, signature));

        if (kind is not KeyKind.Rsa2048 and not KeyKind.Rsa3072)
        {
            // RFC 4754: r||s, what BouncyCastle calls PLAIN-ECDSA.
            AuthPayload classic = signer.Sign(AuthHarness.Octets, [], AuthHarness.Prf);
            ushort curveHash = kind switch { KeyKind.P256 => SignatureHash.Sha256, KeyKind.P384 => SignatureHash.Sha384, _ => SignatureHash.Sha512 };
            Assert.True(BcVerify(BcAlgorithm(kind, curveHash, false, plain: true), publicKey, classic.Data));
        }
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void We_verify_what_BouncyCastle_signs(KeyKind kind, ushort hash, bool pss)
    {
        Issued ee = TestPki.EndEntity(s_root.Value, kind: kind);
        AsymmetricKeyParameter privateKey = PrivateKeyFactory.CreateKey(ee.Key.ExportPkcs8PrivateKey());
        ISigner bc = SignerUtilities.GetSigner(BcAlgorithm(kind, hash, pss, plain: false));
        bc.Init(true, privateKey);
        bc.BlockUpdate(AuthHarness.Octets);
        byte[] signature = bc.GenerateSignature();
        bool rsa = kind is KeyKind.Rsa2048 or KeyKind.Rsa3072;
        AuthPayload auth = Method14(SignatureScheme.For(rsa ? SignatureKeyType.Rsa : SignatureKeyType.Ecdsa, hash, pss ? RsaPadding.Pss : RsaPadding.Pkcs1)!, signature);
        Assert.True(VerifyAs(ee, auth).Succeeded);
    }

    [Theory]
    [InlineData(KeyKind.P256, "sha256", false)]
    [InlineData(KeyKind.P384, "sha384", false)]
    [InlineData(KeyKind.P521, "sha512", false)]
    [InlineData(KeyKind.Rsa2048, "sha256", false)]
    [InlineData(KeyKind.Rsa3072, "sha512", true)]
    public void Openssl_signatures_verify_and_openssl_verifies_ours(KeyKind kind, string digest, bool pss)
    {
        string openssl = FindOpenssl();
        Issued ee = TestPki.EndEntity(s_root.Value, kind: kind);
        string dir = Directory.CreateTempSubdirectory("ipsecfw-openssl-").FullName;
        try
        {
            string key = Path.Combine(dir, "key.pem");
            string pub = Path.Combine(dir, "pub.pem");
            string data = Path.Combine(dir, "octets.bin");
            string sig = Path.Combine(dir, "sig.bin");
            File.WriteAllText(key, ee.Key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(pub, ee.Key.ExportSubjectPublicKeyInfoPem());
            File.WriteAllBytes(data, AuthHarness.Octets);
            string[] pssOptions = pss ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest", "-sigopt", $"rsa_mgf1_md:{digest}"] : [];

            Run(openssl, ["dgst", $"-{digest}", "-sign", key, .. pssOptions, "-out", sig, data]);
            ushort hash = digest switch { "sha256" => SignatureHash.Sha256, "sha384" => SignatureHash.Sha384, _ => SignatureHash.Sha512 };
            bool rsa = kind is KeyKind.Rsa2048 or KeyKind.Rsa3072;
            AuthPayload auth = Method14(SignatureScheme.For(rsa ? SignatureKeyType.Rsa : SignatureKeyType.Ecdsa, hash, pss ? RsaPadding.Pss : RsaPadding.Pkcs1)!,
                File.ReadAllBytes(sig));
            AuthVerification result = VerifyAs(ee, auth);
            Assert.True(result.Succeeded, result.Detail);

            // And the other way: openssl verifies our method 14 signature.
            using LocalCredentials credentials = TestPki.Credentials(ee);
            var signer = new CertificateAuthenticator(credentials, TestPki.Trust(s_root.Value), AuthHarness.Options() with { UseRsaPss = pss });
            AuthPayload ours = signer.Sign(AuthHarness.Octets, [hash], AuthHarness.Prf);
            File.WriteAllBytes(sig, ours.Data[(1 + ours.Data[0])..]);
            string output = Run(openssl, ["dgst", $"-{digest}", "-verify", pub, .. pssOptions, "-signature", sig, data]);
            Assert.Contains("Verified OK", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static AuthVerification VerifyAs(Issued ee, AuthPayload auth)
    {
        IdPayload id = new(true, IdType.DerAsn1Dn, ee.Certificate.SubjectName.RawData);
        return AuthHarness.Verifier(TestPki.Trust(s_root.Value)).Verify(id, [ee.Payload], auth, AuthHarness.Octets, AuthHarness.Prf);
    }

    private static AuthPayload Method14(SignatureScheme scheme, byte[] signature)
    {
        byte[] algorithmIdentifier = scheme.EncodeAlgorithmIdentifier();
        return new AuthPayload(AuthMethod.DigitalSignature, [(byte)algorithmIdentifier.Length, .. algorithmIdentifier, .. signature]);
    }

    private static string BcAlgorithm(KeyKind kind, ushort hash, bool pss, bool plain)
    {
        string h = hash switch { SignatureHash.Sha256 => "SHA-256", SignatureHash.Sha384 => "SHA-384", _ => "SHA-512" };
        return kind is KeyKind.Rsa2048 or KeyKind.Rsa3072
            ? pss ? $"{h}withRSAandMGF1" : $"{h}withRSA"
            : plain ? $"{h}withPLAIN-ECDSA" : $"{h}withECDSA";
    }

    private static bool BcVerify(string algorithm, AsymmetricKeyParameter publicKey, byte[] signature)
    {
        ISigner verifier = SignerUtilities.GetSigner(algorithm);
        verifier.Init(false, publicKey);
        verifier.BlockUpdate(AuthHarness.Octets);
        return verifier.VerifySignature(signature);
    }

    private static string FindOpenssl()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "openssl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Skip("not run: openssl absent");
        return "";
    }

    private static string Run(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"openssl {string.Join(' ', arguments)}: {output}");
        return output;
    }
}
