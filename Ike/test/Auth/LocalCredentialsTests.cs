using System.Security.Cryptography;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Tests.Auth;

/// <summary>Loading credentials and trust from files: every supported format, and typed errors naming the file.</summary>
public sealed class LocalCredentialsTests : IDisposable
{
    private static readonly Lazy<Issued> s_root = new(() => TestPki.Root());
    private readonly string _dir = Directory.CreateTempSubdirectory("ipsecfw-auth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<KeyKind, string> KeyFormats() => new()
    {
        { KeyKind.Rsa2048, "PRIVATE KEY" },
        { KeyKind.Rsa2048, "RSA PRIVATE KEY" },
        { KeyKind.P256, "PRIVATE KEY" },
        { KeyKind.P384, "EC PRIVATE KEY" },
        { KeyKind.P521, "EC PRIVATE KEY" },
    };

    [Theory]
    [MemberData(nameof(KeyFormats))]
    public void Loads_every_key_format(KeyKind kind, string label)
    {
        Issued intermediate = TestPki.Intermediate(s_root.Value);
        Issued ee = TestPki.EndEntity(intermediate, kind: kind);
        string cert = Write("ee.pem", ee.Certificate.ExportCertificatePem());
        string key = Write("ee.key", KeyPem(ee.Key, label));
        string chain = Write("chain.pem", intermediate.Certificate.ExportCertificatePem());

        using LocalCredentials credentials = LocalCredentials.Load(cert, key, [chain]);
        Assert.Equal([ee.Der, intermediate.Der], credentials.CertificateChain);
        Assert.Equal(IdType.DerAsn1Dn, credentials.LocalId.Type);
        Assert.Equal("CN=gw1.example.com,OU=eng,O=Example", credentials.Subject);

        // The loaded key signs what the peer verifies.
        var signer = new CertificateAuthenticator(credentials, TestPki.Trust(s_root.Value));
        var auth = signer.Sign(AuthHarness.Octets, AuthHarness.AllHashes, AuthHarness.Prf);
        AuthVerification result = AuthHarness.Verifier(TestPki.Trust(s_root.Value))
            .Verify(AuthHarness.IdOf(signer.LocalId), signer.LocalCertificates, auth, AuthHarness.Octets, AuthHarness.Prf);
        Assert.True(result.Succeeded, result.Detail);
    }

    [Fact]
    public void Errors_name_the_file_and_the_problem()
    {
        Issued ee = TestPki.EndEntity(s_root.Value);
        Issued other = TestPki.EndEntity(s_root.Value);
        string cert = Write("ee.pem", ee.Certificate.ExportCertificatePem());
        string key = Write("ee.key", KeyPem(ee.Key, "PRIVATE KEY"));

        AssertProblem(Path.Combine(_dir, "missing.pem"), "does not exist", () => LocalCredentials.Load(Path.Combine(_dir, "missing.pem"), key));
        string garbage = Write("garbage.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        AssertProblem(garbage, "does not parse", () => LocalCredentials.Load(garbage, key));
        string noPem = Write("nopem.key", "just text");
        AssertProblem(noPem, "no PEM", () => LocalCredentials.Load(cert, noPem));
        string wrongKey = Write("other.key", KeyPem(other.Key, "PRIVATE KEY"));
        AssertProblem(wrongKey, "does not belong", () => LocalCredentials.Load(cert, wrongKey));
        string rsaForEc = Write("rsa.key", KeyPem(TestPki.NewKey(KeyKind.Rsa2048), "RSA PRIVATE KEY"));
        AssertProblem(rsaForEc, "does not fit", () => LocalCredentials.Load(cert, rsaForEc));
        string encrypted = Write("enc.key", ee.Key.ExportEncryptedPkcs8PrivateKeyPem("pw",
            new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)));
        AssertProblem(encrypted, "encrypted", () => LocalCredentials.Load(cert, encrypted));
        string badBody = Write("bad.key", "-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n");
        AssertProblem(badBody, "does not parse", () => LocalCredentials.Load(cert, badBody));
        AssertProblem(cert, "subjectAltName", () => LocalCredentials.Load(cert, key, localId: "gw7.example.com"));

        using RSA small = RSA.Create(1024);
        string weakCert = Write("weak.pem", CertWithKey(small));
        string weakKey = Write("weak.key", small.ExportPkcs8PrivateKeyPem());
        AssertProblem(weakKey, "2048", () => LocalCredentials.Load(weakCert, weakKey));
    }

    [Fact]
    public void Trust_store_from_files_and_directories()
    {
        Issued root2 = TestPki.Root("Second Root", KeyKind.P256);
        string anchors = Directory.CreateDirectory(Path.Combine(_dir, "cacerts")).FullName;
        File.WriteAllText(Path.Combine(anchors, "root1.pem"), s_root.Value.Certificate.ExportCertificatePem());
        File.WriteAllBytes(Path.Combine(anchors, "root2.der"), root2.Der);
        string crlPem = Write("root.crl", PemEncoding.WriteString("X509 CRL", TestPki.Crl(s_root.Value, [])));
        string crlDer = Path.Combine(_dir, "root2.crl");
        File.WriteAllBytes(crlDer, TestPki.Crl(root2, []));

        TrustStore trust = TrustStore.Load([anchors], [crlPem, crlDer]);
        Assert.Equal(2, trust.AnchorCount);
        Assert.Equal(2, trust.CrlCount);

        Issued ee = TestPki.EndEntity(root2);
        Assert.True(AuthHarness.Run(ee, [], trust, AuthHarness.Options(RevocationPolicy.Required)).Succeeded);

        string badCrl = Write("bad.crl", "not a crl");
        AssertProblem(badCrl, "CRL does not parse", () => TrustStore.Load([anchors], [badCrl]));
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        Assert.Throws<CredentialException>(() => TrustStore.Load([empty]));
    }

    private static string CertWithKey(RSA key)
    {
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=weak", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(TestPki.Now.AddDays(-1), TestPki.Now.AddDays(1));
        return cert.ExportCertificatePem();
    }

    private static string KeyPem(AsymmetricAlgorithm key, string label) => (key, label) switch
    {
        (_, "PRIVATE KEY") => key.ExportPkcs8PrivateKeyPem(),
        (RSA rsa, "RSA PRIVATE KEY") => rsa.ExportRSAPrivateKeyPem(),
        (ECDsa ec, "EC PRIVATE KEY") => ec.ExportECPrivateKeyPem(),
        _ => throw new ArgumentException(label),
    };

    private static void AssertProblem(string path, string problem, Func<object> load)
    {
        CredentialException e = Assert.Throws<CredentialException>(load);
        Assert.Equal(path, e.Path);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
