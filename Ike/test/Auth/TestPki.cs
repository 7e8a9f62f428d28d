using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Tests.Auth;

public enum KeyKind
{
    Rsa2048,
    Rsa3072,
    P256,
    P384,
    P521,
}

/// <summary>A generated certificate with its private key.</summary>
public sealed record Issued(X509Certificate2 Certificate, AsymmetricAlgorithm Key)
{
    public byte[] Der => Certificate.RawData;

    public CertPayload Payload => new(CertEncoding.X509Signature, Der);

    public X509Certificate2 WithKey() => Key switch
    {
        RSA rsa => Certificate.CopyWithPrivateKey(rsa),
        ECDsa ec => Certificate.CopyWithPrivateKey(ec),
        _ => throw new NotSupportedException(),
    };
}

/// <summary>
/// Certificates and CRLs made in process with .NET's CertificateRequest and CertificateRevocationListBuilder. The clock
/// is fixed (<see cref="Now"/>); RSA keys come from a small pool because generating them is slow.
/// </summary>
public static class TestPki
{
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly Lazy<RSA>[] s_rsa2048 = Enumerable.Range(0, 6).Select(_ => new Lazy<RSA>(() => RSA.Create(2048))).ToArray();
    private static readonly Lazy<RSA> s_rsa3072 = new(() => RSA.Create(3072));
    private static int s_next;
    private static long s_serial = 1000;

    public static AsymmetricAlgorithm NewKey(KeyKind kind) => kind switch
    {
        KeyKind.Rsa2048 => s_rsa2048[Interlocked.Increment(ref s_next) % s_rsa2048.Length].Value,
        KeyKind.Rsa3072 => s_rsa3072.Value,
        KeyKind.P256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        KeyKind.P384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        _ => ECDsa.Create(ECCurve.NamedCurves.nistP521),
    };

    public static Issued Root(string cn = "IpsecFw Test Root", KeyKind kind = KeyKind.P384, int? pathLength = null,
        DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Create($"CN={cn},O=IpsecFw Test", kind, issuer: null, ca: true, pathLength, X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign,
            san: null, crlUrl: null, notBefore, notAfter);

    public static Issued Intermediate(Issued issuer, string cn = "IpsecFw Test Intermediate", KeyKind kind = KeyKind.P256,
        bool ca = true, X509KeyUsageFlags usage = X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, int? pathLength = null,
        string? crlUrl = null, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Create($"CN={cn},O=IpsecFw Test", kind, issuer, ca, pathLength, usage, san: null, crlUrl, notBefore, notAfter);

    public static Issued EndEntity(Issued issuer, string subject = "CN=gw1.example.com,OU=eng,O=Example", KeyKind kind = KeyKind.P256,
        Action<SubjectAlternativeNameBuilder>? san = null, X509KeyUsageFlags? usage = X509KeyUsageFlags.DigitalSignature,
        string? crlUrl = null, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Create(subject, kind, issuer, ca: false, null, usage, san ?? DefaultSan, crlUrl, notBefore, notAfter);

    public static void DefaultSan(SubjectAlternativeNameBuilder b)
    {
        b.AddDnsName("gw1.example.com");
        b.AddEmailAddress("admin@example.com");
        b.AddIpAddress(System.Net.IPAddress.Parse("198.18.0.1"));
        b.AddIpAddress(System.Net.IPAddress.Parse("2001:2::1"));
        b.AddUri(new Uri("urn:ipsecfw:group:web"));
    }

    public static byte[] Crl(Issued issuer, IEnumerable<X509Certificate2> revoked, DateTimeOffset? thisUpdate = null, DateTimeOffset? nextUpdate = null)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (X509Certificate2 c in revoked)
        {
            builder.AddEntry(c, (thisUpdate ?? Now).AddDays(-1));
        }

        using X509Certificate2 withKey = issuer.WithKey();
        return builder.Build(withKey, BigInteger.One, nextUpdate ?? Now.AddDays(7), HashAlgorithmName.SHA256,
            issuer.Key is RSA ? RSASignaturePadding.Pkcs1 : null, thisUpdate ?? Now.AddDays(-1));
    }

    public static TrustStore Trust(params Issued[] anchors) => TrustStore.FromDer(anchors.Select(a => a.Der));

    public static LocalCredentials Credentials(Issued ee, Issued[]? intermediates = null, string? localId = null) =>
        LocalCredentials.FromKey(ee.Der, CloneKey(ee.Key), intermediates?.Select(i => i.Der), localId);

    public static AsymmetricAlgorithm CloneKey(AsymmetricAlgorithm key)
    {
        byte[] pkcs8 = key.ExportPkcs8PrivateKey();
        AsymmetricAlgorithm copy = key is RSA ? RSA.Create() : ECDsa.Create();
        copy.ImportPkcs8PrivateKey(pkcs8, out _);
        return copy;
    }

    private static Issued Create(string subject, KeyKind kind, Issued? issuer, bool ca, int? pathLength, X509KeyUsageFlags? usage,
        Action<SubjectAlternativeNameBuilder>? san, string? crlUrl, DateTimeOffset? notBefore, DateTimeOffset? notAfter)
    {
        AsymmetricAlgorithm key = NewKey(kind);
        var name = new X500DistinguishedName(subject);
        CertificateRequest request = key switch
        {
            RSA rsa => new CertificateRequest(name, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest(name, ec, HashAlgorithmName.SHA256),
            _ => throw new NotSupportedException(),
        };
        if (ca || issuer is not null)
        {
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, pathLength is not null, pathLength ?? 0, true));
        }

        if (usage is { } u)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(u, true));
        }

        var ski = new X509SubjectKeyIdentifierExtension(request.PublicKey, false);
        request.CertificateExtensions.Add(ski);
        if (issuer is not null)
        {
            request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        }

        if (san is not null)
        {
            var b = new SubjectAlternativeNameBuilder();
            san(b);
            request.CertificateExtensions.Add(b.Build());
        }

        if (crlUrl is not null)
        {
            request.CertificateExtensions.Add(CertificateRevocationListBuilder.BuildCrlDistributionPointExtension([crlUrl]));
        }

        DateTimeOffset from = notBefore ?? Now.AddDays(-30);
        DateTimeOffset to = notAfter ?? Now.AddDays(365);
        byte[] serial = BitConverter.GetBytes(Interlocked.Increment(ref s_serial));
        X509Certificate2 cert;
        if (issuer is null)
        {
            cert = request.CreateSelfSigned(from, to);
            cert = X509CertificateLoader.LoadCertificate(cert.RawData);
        }
        else
        {
            X509SignatureGenerator generator = issuer.Key switch
            {
                RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
                ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
                _ => throw new NotSupportedException(),
            };
            cert = request.Create(issuer.Certificate.SubjectName, generator, from, to, serial);
        }

        return new Issued(cert, key);
    }
}
