using System.Security.Cryptography;
using IpsecFw.Spd.Runtime;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509.Extension;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// What IKE needs from one parsed X.509 certificate: names for the ID check and the policy, and its public key for the
/// platform's signature code. Built once per certificate; immutable.
/// </summary>
internal sealed class CertificateInfo
{
    private const string RsaEncryptionOid = "1.2.840.113549.1.1.1";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    private CertificateInfo(BcCertificate certificate)
    {
        Certificate = certificate;
        TbsCertificateStructure tbs = certificate.CertificateStructure.TbsCertificate;
        SubjectDer = tbs.Subject.GetEncoded(Asn1Encodable.Der);
        IssuerDer = tbs.Issuer.GetEncoded(Asn1Encodable.Der);
        SubjectPublicKeyInfoDer = tbs.SubjectPublicKeyInfo.GetEncoded(Asn1Encodable.Der);
        var dns = new List<string>();
        var email = new List<string>();
        var uris = new List<string>();
        var ips = new List<byte[]>();
        Asn1OctetString? san = certificate.GetExtensionValue(X509Extensions.SubjectAlternativeName);
        if (san is not null)
        {
            foreach (GeneralName name in GeneralNames.GetInstance(X509ExtensionUtilities.FromExtensionValue(san)).GetNames())
            {
                switch (name.TagNo)
                {
                    case GeneralName.DnsName:
                        dns.Add(DerIA5String.GetInstance(name.Name).GetString());
                        break;
                    case GeneralName.Rfc822Name:
                        email.Add(DerIA5String.GetInstance(name.Name).GetString());
                        break;
                    case GeneralName.UniformResourceIdentifier:
                        uris.Add(DerIA5String.GetInstance(name.Name).GetString());
                        break;
                    case GeneralName.IPAddress:
                        ips.Add(Asn1OctetString.GetInstance(name.Name).GetOctets());
                        break;
                }
            }
        }

        DnsNames = dns;
        EmailAddresses = email;
        Uris = uris;
        IpAddresses = ips;
    }

    /// <summary>The BouncyCastle certificate (for the chain code).</summary>
    public BcCertificate Certificate { get; }

    /// <summary>The subject Name, DER.</summary>
    public byte[] SubjectDer { get; }

    /// <summary>The issuer Name, DER.</summary>
    public byte[] IssuerDer { get; }

    /// <summary>The SubjectPublicKeyInfo, DER (RFC 7296 3.7 hashes it for CERTREQ).</summary>
    public byte[] SubjectPublicKeyInfoDer { get; }

    /// <summary>SAN dNSName entries.</summary>
    public IReadOnlyList<string> DnsNames { get; }

    /// <summary>SAN rfc822Name entries.</summary>
    public IReadOnlyList<string> EmailAddresses { get; }

    /// <summary>SAN uniformResourceIdentifier entries.</summary>
    public IReadOnlyList<string> Uris { get; }

    /// <summary>SAN iPAddress entries (4 or 16 bytes; name-constraint forms would be 8 or 32).</summary>
    public IReadOnlyList<byte[]> IpAddresses { get; }

    /// <summary>The subject in RFC 4514 form (or a placeholder when the DN does not decode).</summary>
    public string SubjectText => DistinguishedName.TryFormat(SubjectDer) ?? "(undecodable subject)";

    /// <summary>Parses DER; false (never an exception) for anything that is not one whole X.509 certificate.</summary>
    public static bool TryParse(byte[] der, out CertificateInfo? info)
    {
        info = null;
        try
        {
            Asn1Object asn1 = Asn1Object.FromByteArray(der);
            var structure = X509CertificateStructure.GetInstance(asn1);
            var cert = new BcCertificate(structure);
            info = new CertificateInfo(cert);

            // Force the lazy parts (validity, extensions) now, so a later step cannot meet a parse error.
            _ = cert.NotBefore;
            _ = cert.NotAfter;
            _ = cert.GetKeyUsage();
            _ = cert.GetBasicConstraints();
            _ = cert.GetPublicKey();
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    /// <summary>The public key as a platform key (RSA or ECDSA), or null for another key type. The caller disposes it.</summary>
    public AsymmetricAlgorithm? CreatePublicKey()
    {
        string algorithm = Certificate.CertificateStructure.TbsCertificate.SubjectPublicKeyInfo.Algorithm.Algorithm.Id;
        try
        {
            switch (algorithm)
            {
                case RsaEncryptionOid:
                {
                    var rsa = RSA.Create();
                    try
                    {
                        rsa.ImportSubjectPublicKeyInfo(SubjectPublicKeyInfoDer, out _);
                        return rsa;
                    }
                    catch
                    {
                        rsa.Dispose();
                        throw;
                    }
                }

                case EcPublicKeyOid:
                {
                    var ec = ECDsa.Create();
                    try
                    {
                        ec.ImportSubjectPublicKeyInfo(SubjectPublicKeyInfoDer, out _);
                        return ec;
                    }
                    catch
                    {
                        ec.Dispose();
                        throw;
                    }
                }

                default:
                    return null;
            }
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>The identity the SPD sees (docs/policy-language.md "x509 predicates").</summary>
    public PeerIdentity ToPeerIdentity()
    {
        DistinguishedName.TryDecode(SubjectDer, out List<List<DistinguishedName.Attribute>>? rdns);
        return new PeerIdentity
        {
            SubjectDn = rdns is null ? string.Empty : DistinguishedName.Format(rdns),
            CommonName = rdns is null ? null : DistinguishedName.CommonName(rdns),
            OrganizationalUnits = rdns is null ? [] : DistinguishedName.OrganizationalUnits(rdns),
            DnsNames = DnsNames,
            EmailAddresses = EmailAddresses,
            Uris = Uris,
            IssuerDn = DistinguishedName.TryFormat(IssuerDer) ?? string.Empty,
            SerialHex = Convert.ToHexString(Certificate.SerialNumber.ToByteArrayUnsigned()),
            NotBefore = new DateTimeOffset(DateTime.SpecifyKind(Certificate.NotBefore, DateTimeKind.Utc)),
            NotAfter = new DateTimeOffset(DateTime.SpecifyKind(Certificate.NotAfter, DateTimeKind.Utc)),

            // docs/policy-language.md leaves the version extension to the IKE layer and documents none, so no
            // certificate carries an explicit version yet: `ver` compares notBefore.
            ExplicitVersion = null,
        };
    }
}
