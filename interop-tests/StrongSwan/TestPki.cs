using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>
/// A throw-away PKI made in-process with .NET's <see cref="CertificateRequest"/>: a CA (<c>C=US, O=Example,
/// CN=Example ECDSA Test CA</c> or the RSA one), host certificates <c>C=US, O=Example, CN=&lt;name&gt;</c> with SAN
/// dNSName &lt;name&gt;, serverAuth and clientAuth, plus the special ones the negative scenarios need: expired, not yet
/// valid, issued by a CA the peer does not know, and revoked (listed in <see cref="CrlPem"/>). Key identifiers are set
/// on every certificate: strongSwan finds issuers by key id. Not safe for concurrent use.
/// </summary>
public sealed class TestPki : IDisposable
{
    private readonly List<X509Certificate2> _owned = [];
    private readonly CertificateRevocationListBuilder _revoked = new();
    private readonly TimeProvider _time = TimeProvider.System;
    private TestPki? _unknownCa;

    private TestPki(PkiKeyType keyType, string caName)
    {
        KeyType = keyType;
        DateTimeOffset now = _time.GetUtcNow();
        using AsymmetricAlgorithm key = NewKey();
        CertificateRequest request = Request(Dn(caName), key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(now.AddYears(-5), now.AddYears(10));
        _owned.Add(Ca);
        CaName = caName;
        CaPem = Ca.ExportCertificatePem() + "\n";
    }

    /// <summary>The key type of the CA and of what it issues.</summary>
    public PkiKeyType KeyType { get; }

    /// <summary>The CA's common name.</summary>
    public string CaName { get; }

    /// <summary>The CA certificate (with its private key).</summary>
    public X509Certificate2 Ca { get; }

    /// <summary>The CA certificate, PEM.</summary>
    public string CaPem { get; }

    /// <summary>
    /// A CRL signed by the CA listing every certificate from <see cref="IssueRevoked"/> (valid for a day), PEM. Each read
    /// signs a new one (same entries, a different ECDSA signature): read it once per use.
    /// </summary>
    public string CrlPem
    {
        get
        {
            DateTimeOffset now = _time.GetUtcNow();
            byte[] der = _revoked.Build(Ca, BigInteger.One, now.AddDays(1), HashAlgorithmName.SHA256,
                KeyType != PkiKeyType.EcdsaP256 ? RSASignaturePadding.Pkcs1 : null, now.AddMinutes(-5));
            return PemEncoding.WriteString("X509 CRL", der) + "\n";
        }
    }

    /// <summary>A new PKI with a fresh CA.</summary>
    public static TestPki Create(PkiKeyType keyType = PkiKeyType.EcdsaP256) =>
        new(keyType, keyType == PkiKeyType.EcdsaP256 ? "Example ECDSA Test CA" : "Example RSA Test CA");

    /// <summary>strongSwan's way of writing the DN of <paramref name="commonName"/> (the RDNs in this order, also on the wire).</summary>
    public static string Dn(string commonName) => $"C=US, O=Example, CN={commonName}";

    /// <summary>A host certificate valid from an hour ago for two years (or for the given window).</summary>
    public TestCertificate IssueHost(string name, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        DateTimeOffset now = _time.GetUtcNow();
        return Issue(name, notBefore ?? now.AddHours(-1), notAfter ?? now.AddYears(2));
    }

    /// <summary>A TLS server certificate for <paramref name="name"/> that also names <paramref name="address"/> (an IP SAN), so a URL with that address verifies.</summary>
    public TestCertificate IssueServer(string name, System.Net.IPAddress address)
    {
        DateTimeOffset now = _time.GetUtcNow();
        return Issue(name, now.AddHours(-1), now.AddYears(2), address);
    }

    /// <summary>A host certificate that expired yesterday (valid for the year before).</summary>
    public TestCertificate IssueExpired(string name)
    {
        DateTimeOffset now = _time.GetUtcNow();
        return Issue(name, now.AddYears(-1), now.AddDays(-1));
    }

    /// <summary>A host certificate that becomes valid in a year.</summary>
    public TestCertificate IssueNotYetValid(string name)
    {
        DateTimeOffset now = _time.GetUtcNow();
        return Issue(name, now.AddYears(1), now.AddYears(2));
    }

    /// <summary>A valid host certificate that is listed as revoked (key compromise) in <see cref="CrlPem"/>.</summary>
    public TestCertificate IssueRevoked(string name)
    {
        TestCertificate cert = IssueHost(name);
        _revoked.AddEntry(cert.Certificate, _time.GetUtcNow().AddMinutes(-10), X509RevocationReason.KeyCompromise);
        return cert;
    }

    /// <summary>A host certificate from another CA of the same key type, which peers of this PKI do not trust.</summary>
    public TestCertificate IssueFromUnknownCa(string name)
    {
        _unknownCa ??= new TestPki(KeyType, "Unknown Test CA");
        return _unknownCa.IssueHost(name);
    }

    /// <summary>
    /// The swanctl credential files of a peer that authenticates with <paramref name="host"/> (or with none, e.g. PSK
    /// or a pure verifier): <c>x509ca/ca.pem</c>, <c>x509/&lt;name&gt;.pem</c>, <c>private/&lt;name&gt;.pem</c>, and
    /// <c>x509crl/ca.crl</c> when <paramref name="withCrl"/>.
    /// </summary>
    public IReadOnlyList<SwanctlFile> SwanctlFiles(TestCertificate? host, bool withCrl = false)
    {
        var files = new List<SwanctlFile> { new("x509ca/ca.pem", CaPem) };
        if (host is not null)
        {
            files.Add(new SwanctlFile($"x509/{host.CertFile}", host.CertificatePem));
            files.Add(new SwanctlFile($"private/{host.CertFile}", host.PrivateKeyPem));
        }

        if (withCrl)
        {
            files.Add(new SwanctlFile("x509crl/ca.crl", CrlPem));
        }

        return files;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (X509Certificate2 cert in _owned)
        {
            cert.Dispose();
        }

        _owned.Clear();
        _unknownCa?.Dispose();
    }

    private TestCertificate Issue(string name, DateTimeOffset notBefore, DateTimeOffset notAfter, System.Net.IPAddress? address = null)
    {
        using AsymmetricAlgorithm key = NewKey();
        CertificateRequest request = Request(Dn(name), key);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "serverAuth"), new Oid("1.3.6.1.5.5.7.3.2", "clientAuth")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        if (address is not null)
        {
            san.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        serial[0] |= 0x01;
        using X509Certificate2 issued = request.Create(Ca, notBefore, notAfter, serial);
        X509Certificate2 withKey = key switch
        {
            ECDsa ec => issued.CopyWithPrivateKey(ec),
            RSA rsa => issued.CopyWithPrivateKey(rsa),
            _ => throw new InvalidOperationException("unexpected key type"),
        };
        _owned.Add(withKey);
        return new TestCertificate(name, Dn(name), withKey, withKey.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n", CaPem);
    }

    private AsymmetricAlgorithm NewKey() => KeyType switch
    {
        PkiKeyType.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        PkiKeyType.Rsa3072 => RSA.Create(3072),
        _ => RSA.Create(2048),
    };

    private CertificateRequest Request(string dn, AsymmetricAlgorithm key)
    {
        X500DistinguishedName subject = Subject(dn);
        return key switch
        {
            ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new InvalidOperationException("unexpected key type"),
        };
    }

    /// <summary>
    /// The DN with its RDNs encoded in the written order C, O, CN, as strongSwan's identity <c>C=US, O=Example, CN=x</c>
    /// expects. X500DistinguishedNameBuilder encodes the RDNs in the reverse of the order they are added (its
    /// <c>Name</c> reads "CN=..., O=..., C=..."), so they are added from the last to the first.
    /// </summary>
    private static X500DistinguishedName Subject(string dn)
    {
        var builder = new X500DistinguishedNameBuilder();
        foreach (string part in dn.Split(", ").Reverse())
        {
            string[] kv = part.Split('=', 2);
            switch (kv[0])
            {
                case "C":
                    builder.AddCountryOrRegion(kv[1]);
                    break;
                case "O":
                    builder.AddOrganizationName(kv[1]);
                    break;
                case "CN":
                    builder.AddCommonName(kv[1]);
                    break;
                default:
                    builder.Add(kv[0], kv[1], UniversalTagNumber.UTF8String);
                    break;
            }
        }

        return builder.Build();
    }
}
