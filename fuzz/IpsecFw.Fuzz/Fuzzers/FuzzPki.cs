using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// A small PKI with fixed keys (P-256 private scalars below), so certificates made in one process verify in the next:
/// a root, an intermediate and an end entity <c>gw1.example.com</c>. The certificates themselves are re-made in every
/// process (ECDSA signatures are randomised); only the keys, names, serials and dates are fixed.
/// </summary>
internal static class FuzzPki
{
    public static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static readonly Prf Prf = Prf.Get(PrfAlgorithm.HmacSha256);

    /// <summary>The signed octets every CertificateChain input is checked against.</summary>
    public static readonly byte[] Octets = [.. Enumerable.Range(0, 200).Select(i => (byte)(i * 7 + 3))];

    private static readonly Lazy<Pki> s_pki = new(Create);

    public static Pki Value => s_pki.Value;

    internal sealed record Pki(byte[] RootDer, byte[] IntermediateDer, byte[] EndEntityDer, ECDsa EndEntityKey, TrustStore Trust);

    public static ECDsa Key(byte seed)
    {
        byte[] d = new byte[32];
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = (byte)(seed + (i * 13));
        }

        d[0] = 0x10; // below the group order
        var parameters = new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = d };
        using ECDsa full = ECDsa.Create(parameters);
        return ECDsa.Create(full.ExportParameters(true));
    }

    private static Pki Create()
    {
        ECDsa rootKey = Key(1);
        ECDsa intermediateKey = Key(2);
        ECDsa endEntityKey = Key(3);
        DateTimeOffset notBefore = Now.AddYears(-1);
        DateTimeOffset notAfter = Now.AddYears(5);

        var rootRequest = new CertificateRequest("CN=IpsecFw Fuzz Root,O=IpsecFw Test", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        using X509Certificate2 root = rootRequest.CreateSelfSigned(notBefore, notAfter);

        var intermediateRequest = new CertificateRequest("CN=IpsecFw Fuzz Intermediate,O=IpsecFw Test", intermediateKey, HashAlgorithmName.SHA256);
        intermediateRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        intermediateRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        intermediateRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(intermediateRequest.PublicKey, false));
        intermediateRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using X509Certificate2 intermediate = intermediateRequest.Create(root, notBefore, notAfter, [0x11, 0x01]);
        using X509Certificate2 intermediateWithKey = intermediate.CopyWithPrivateKey(intermediateKey);

        var endEntityRequest = new CertificateRequest("CN=gw1.example.com,OU=eng,O=Example", endEntityKey, HashAlgorithmName.SHA256);
        endEntityRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        endEntityRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("gw1.example.com");
        san.AddEmailAddress("admin@example.com");
        san.AddIpAddress(System.Net.IPAddress.Parse("198.18.0.1"));
        endEntityRequest.CertificateExtensions.Add(san.Build());
        endEntityRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(intermediate, true, false));
        using X509Certificate2 endEntity = endEntityRequest.Create(intermediateWithKey, notBefore, notAfter, [0x22, 0x02]);

        TrustStore trust = TrustStore.FromDer([root.RawData]);
        return new Pki(root.RawData, intermediate.RawData, endEntity.RawData, endEntityKey, trust);
    }

    /// <summary>A fixed identity of the verifier itself (its credentials do not matter to Verify).</summary>
    public static LocalCredentials VerifierCredentials()
    {
        ECDsa key = Key(4);
        var request = new CertificateRequest("CN=verifier.example.com", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("verifier.example.com");
        request.CertificateExtensions.Add(san.Build());
        using X509Certificate2 self = request.CreateSelfSigned(Now.AddYears(-1), Now.AddYears(1));
        return LocalCredentials.FromKey(self.RawData, key, null, "verifier.example.com");
    }

    /// <summary>The authenticator the end entity signs with (for the seeds).</summary>
    public static CertificateAuthenticator Signer()
    {
        Pki pki = Value;
        ECDsa key = ECDsa.Create(pki.EndEntityKey.ExportParameters(true));
        LocalCredentials credentials = LocalCredentials.FromKey(pki.EndEntityDer, key, [pki.IntermediateDer], "gw1.example.com");
        return new CertificateAuthenticator(credentials, pki.Trust, Options());
    }

    public static CertificateAuthenticatorOptions Options() =>
        new() { Revocation = RevocationPolicy.None, TimeProvider = new FixedTime(Now) };

    /// <summary>A clock that always says <paramref name="now"/>.</summary>
    internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
