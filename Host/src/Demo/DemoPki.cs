using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IpsecFw.Host.Demo;

/// <summary>
/// The organisation's CA, made fresh for each run with .NET's <see cref="CertificateRequest"/> (ECDSA P-256): the CA
/// certificate <c>CN=Example Demo CA, O=Example</c> and one host certificate per daemon, <c>CN=NAME, O=Example</c> with
/// subjectAltName dNSName NAME, digitalSignature, serverAuth and clientAuth, and key identifiers. A certificate's
/// notBefore is its version in the policy (<c>ver</c>, docs/policy-language.md), so host2's is issued with an old one.
/// The keys never leave the run's temporary directory.
/// </summary>
internal sealed class DemoPki : IDisposable
{
    private readonly ECDsa _caKey;

    private DemoPki(ECDsa caKey, X509Certificate2 ca)
    {
        _caKey = caKey;
        Ca = ca;
    }

    /// <summary>The CA certificate.</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The CA certificate, PEM.</summary>
    public string CaPem => Ca.ExportCertificatePem() + "\n";

    /// <summary>A new CA, valid from before the oldest certificate it will issue for ten years from now.</summary>
    public static DemoPki Create(TimeProvider time)
    {
        DateTimeOffset now = time.GetUtcNow();
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject("Example Demo CA"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        X509Certificate2 ca = request.CreateSelfSigned(DemoCast.OldCertificateDate.AddYears(-1), now.AddYears(10));
        return new DemoPki(key, ca);
    }

    /// <summary>Issues a certificate for <paramref name="name"/>, valid from <paramref name="notBefore"/> for a year from now; returns it with its key.</summary>
    public (X509Certificate2 Certificate, string CertificatePem, string KeyPem) Issue(string name, DateTimeOffset notBefore, TimeProvider time)
    {
        using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "serverAuth"), new Oid("1.3.6.1.5.5.7.3.2", "clientAuth")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7f) | 0x01);
        var generator = X509SignatureGenerator.CreateForECDsa(_caKey);
        X509Certificate2 certificate = request.Create(Ca.SubjectName, generator, notBefore, time.GetUtcNow().AddYears(1), serial);
        return (certificate, certificate.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
    }

    private static X500DistinguishedName Subject(string commonName)
    {
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName);
        builder.AddOrganizationName("Example");
        return builder.Build();
    }
}
