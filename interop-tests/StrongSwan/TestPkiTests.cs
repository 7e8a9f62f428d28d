using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>The test PKI on its own (no root, no strongSwan): names, key usage, validity windows, chains, CRL, files.</summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class TestPkiTests
{
    [Theory]
    [InlineData(PkiKeyType.EcdsaP256, "1.2.840.10045.2.1")]
    [InlineData(PkiKeyType.Rsa2048, "1.2.840.113549.1.1.1")]
    public void Host_certificates_carry_the_dn_in_strongswan_order_the_san_and_a_pkcs8_key(PkiKeyType keyType, string keyOid)
    {
        using TestPki pki = TestPki.Create(keyType);
        TestCertificate host = pki.IssueHost("vpn-gw.example.com");

        // The RDNs in encoded (wire) order must be C, O, CN: strongSwan compares DNs RDN by RDN.
        Assert.Equal(
            [("2.5.4.6", "US"), ("2.5.4.10", "Example"), ("2.5.4.3", "vpn-gw.example.com")],
            host.Certificate.SubjectName.EnumerateRelativeDistinguishedNames(reversed: false)
                .Select(rdn => (rdn.GetSingleElementType().Value, rdn.GetSingleElementValue())));
        Assert.Equal("C=US, O=Example, CN=vpn-gw.example.com", host.Id);
        Assert.Equal(keyOid, host.Certificate.PublicKey.Oid.Value);
        X509SubjectAlternativeNameExtension san = Assert.Single(host.Certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(["vpn-gw.example.com"], san.EnumerateDnsNames());
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", host.PrivateKeyPem, StringComparison.Ordinal);
        using X509Certificate2 reloaded = X509Certificate2.CreateFromPem(host.CertificatePem, host.PrivateKeyPem);
        Assert.True(reloaded.HasPrivateKey);
        Assert.True(Chains(pki, host.Certificate));
    }

    [Fact]
    public void Special_certificates_are_expired_not_yet_valid_unknown_or_revoked()
    {
        using TestPki pki = TestPki.Create();
        DateTimeOffset now = TimeProvider.System.GetUtcNow();
        TestCertificate expired = pki.IssueExpired("old.example.com");
        TestCertificate future = pki.IssueNotYetValid("new.example.com");
        TestCertificate stranger = pki.IssueFromUnknownCa("stranger.example.com");
        TestCertificate revoked = pki.IssueRevoked("revoked.example.com");

        Assert.True(expired.Certificate.NotAfter < now.UtcDateTime);
        Assert.True(future.Certificate.NotBefore > now.UtcDateTime);
        Assert.NotEqual(pki.Ca.SubjectName.RawData, stranger.Certificate.IssuerName.RawData);
        Assert.False(Chains(pki, stranger.Certificate));
        Assert.True(Chains(pki, revoked.Certificate));

        // CrlPem signs a fresh CRL on each read (ECDSA signatures differ): read it once.
        string crlPem = pki.CrlPem;
        PemFields pem = PemEncoding.Find(crlPem);
        Assert.Equal("X509 CRL", crlPem[pem.Label]);
        CertificateRevocationListBuilder crl = CertificateRevocationListBuilder.Load(Convert.FromBase64String(crlPem[pem.Base64Data]), out _);
        Assert.True(crl.RemoveEntry(revoked.Certificate.SerialNumberBytes.Span), "the revoked certificate's serial is not on the CRL");
        Assert.False(crl.RemoveEntry(expired.Certificate.SerialNumberBytes.Span));
    }

    [Fact]
    public void Swanctl_and_plain_files_have_the_layouts_swanctl_and_our_side_read()
    {
        using TestPki pki = TestPki.Create();
        TestCertificate host = pki.IssueHost("mail-gw.example.com");
        Assert.Equal(
            ["x509ca/ca.pem", "x509/mail-gw.example.com.pem", "private/mail-gw.example.com.pem", "x509crl/ca.crl"],
            pki.SwanctlFiles(host, withCrl: true).Select(f => f.RelativePath));

        string dir = Directory.CreateTempSubdirectory("ipsecfw-pki").FullName;
        try
        {
            host.WritePlainFiles(dir);
            using X509Certificate2 cert = X509Certificate2.CreateFromPemFile(Path.Combine(dir, "cert.pem"), Path.Combine(dir, "key.pem"));
            Assert.True(cert.HasPrivateKey);
            Assert.Equal(pki.CaPem, File.ReadAllText(Path.Combine(dir, "ca.pem")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, "key.pem")));
            using ECDsa key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(Path.Combine(dir, "key.pem")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static bool Chains(TestPki pki, X509Certificate2 leaf)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(pki.Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }
}
