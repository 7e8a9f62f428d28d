using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IpsecFw.Host.Tests.Support;

/// <summary>Self-signed ECDSA certificates written as PEM files, for configurations that name certificate files.</summary>
internal static class TestCertificates
{
    public static (string Certificate, string Key) Write(string directory, string name, string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName},OU=servers,O=Example", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(commonName);
        request.CertificateExtensions.Add(san.Build());
        DateTimeOffset now = TimeProvider.System.GetUtcNow();
        using X509Certificate2 certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        string certPath = Path.Combine(directory, name + ".crt");
        string keyPath = Path.Combine(directory, name + ".key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
