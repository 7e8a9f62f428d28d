using Org.BouncyCastle.X509;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// The trust anchors (CA certificates, PEM or DER, given as files or directories) and the CRLs (PEM or DER files)
/// configured locally. Immutable; shared by any number of authenticators.
/// </summary>
public sealed class TrustStore
{
    private TrustStore(List<CertificateInfo> anchors, List<X509Crl> crls)
    {
        Anchors = anchors;
        Crls = crls;
    }

    /// <summary>How many trust anchors are configured.</summary>
    public int AnchorCount => Anchors.Count;

    /// <summary>How many CRLs are configured.</summary>
    public int CrlCount => Crls.Count;

    internal IReadOnlyList<CertificateInfo> Anchors { get; }

    internal IReadOnlyList<X509Crl> Crls { get; }

    /// <summary>
    /// Loads trust anchors from files or directories (every regular file in a directory, not recursing) and CRLs from
    /// files or directories. Every problem is a <see cref="CredentialException"/> naming the file; no anchor at all is
    /// one too.
    /// </summary>
    public static TrustStore Load(IEnumerable<string> anchorPaths, IEnumerable<string>? crlPaths = null)
    {
        ArgumentNullException.ThrowIfNull(anchorPaths);
        var anchors = new List<CertificateInfo>();
        foreach (string file in ExpandPaths(anchorPaths))
        {
            foreach (byte[] der in PemFile.ReadCertificates(file))
            {
                anchors.Add(ParseAnchor(file, der));
            }
        }

        if (anchors.Count == 0)
        {
            throw new CredentialException(string.Join(", ", anchorPaths), "no trust anchor certificate found");
        }

        var crls = new List<X509Crl>();
        foreach (string file in ExpandPaths(crlPaths ?? []))
        {
            X509Crl? crl = TryParseCrl(PemFile.ReadBytes(file));
            crls.Add(crl ?? throw new CredentialException(file, "the CRL does not parse"));
        }

        return new TrustStore(anchors, crls);
    }

    /// <summary>A trust store from DER certificates and DER (or PEM) CRLs in memory.</summary>
    public static TrustStore FromDer(IEnumerable<byte[]> anchorsDer, IEnumerable<byte[]>? crls = null)
    {
        ArgumentNullException.ThrowIfNull(anchorsDer);
        List<CertificateInfo> anchors = anchorsDer.Select(d => ParseAnchor("(memory)", d)).ToList();
        List<X509Crl> parsed = (crls ?? []).Select(c => TryParseCrl(c) ?? throw new CredentialException("(memory)", "a CRL does not parse")).ToList();
        return new TrustStore(anchors, parsed);
    }

    /// <summary>A CRL from DER or PEM bytes, or null (never an exception) when they are not one.</summary>
    internal static X509Crl? TryParseCrl(byte[] bytes)
    {
        try
        {
            return new X509CrlParser().ReadCrl(bytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    private static CertificateInfo ParseAnchor(string file, byte[] der) =>
        CertificateInfo.TryParse(der, out CertificateInfo? info) ? info! : throw new CredentialException(file, "a trust anchor certificate does not parse");

    private static IEnumerable<string> ExpandPaths(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            if (Directory.Exists(path))
            {
                foreach (string file in Directory.EnumerateFiles(path).Order(StringComparer.Ordinal))
                {
                    yield return file;
                }
            }
            else
            {
                yield return path;
            }
        }
    }
}
