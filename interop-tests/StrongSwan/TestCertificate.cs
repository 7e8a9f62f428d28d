using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;

namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>
/// A certificate issued by a <see cref="TestPki"/>, with its private key, as PEM text ready for swanctl or for our side.
/// </summary>
/// <param name="Name">The host name: CN and SAN dNSName, and the base of the file names.</param>
/// <param name="Id">The subject DN as strongSwan writes it, <c>C=US, O=Example, CN=&lt;name&gt;</c> (an IKE identity).</param>
/// <param name="Certificate">The certificate (with its private key).</param>
/// <param name="CertificatePem">The certificate, PEM.</param>
/// <param name="PrivateKeyPem">The private key, PKCS#8 PEM (<c>BEGIN PRIVATE KEY</c>).</param>
/// <param name="IssuerPem">The issuing CA's certificate, PEM.</param>
public sealed record TestCertificate(string Name, string Id, X509Certificate2 Certificate, string CertificatePem, string PrivateKeyPem, string IssuerPem)
{
    /// <summary>The file name swanctl's <c>certs =</c> refers to (<c>x509/&lt;name&gt;.pem</c>).</summary>
    public string CertFile => $"{Name}.pem";

    /// <summary>Writes cert.pem, key.pem (PKCS#8) and ca.pem into <paramref name="directory"/> for our own IKE side.</summary>
    [SupportedOSPlatform("linux")]
    public void WritePlainFiles(string directory)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "cert.pem"), CertificatePem);
        File.WriteAllText(Path.Combine(directory, "key.pem"), PrivateKeyPem);
        File.WriteAllText(Path.Combine(directory, "ca.pem"), IssuerPem);
        File.SetUnixFileMode(Path.Combine(directory, "key.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
