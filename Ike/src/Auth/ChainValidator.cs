using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Pkix;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// Validates a peer's chain to a trust anchor (RFC 5280 6, as RFC 4945 5 applies it to IKE).
/// <para>
/// Library choice: BouncyCastle's <see cref="PkixCertPathValidator"/> has the last word on the path (signatures,
/// dates, basicConstraints and path length, keyUsage, name constraints, policies, unknown critical extensions). .NET's
/// X509Chain was not used: on Linux it cannot be given CRLs in memory (it reads only its own disk cache or downloads from
/// the distribution point itself, with no injectable fetcher and no offline CRL files), and its status flags do not tell
/// us which certificate failed. The checks before BouncyCastle's run only to name the reason
/// (<see cref="AuthFailure"/>) for the log; CRLs are evaluated here, because BouncyCastle's revocation checking has no
/// "if available" mode and cannot fetch through an injected <see cref="ICrlFetcher"/>.
/// </para>
/// Thread-safe.
/// </summary>
internal sealed class ChainValidator(TrustStore trust, RevocationPolicy revocation, ICrlFetcher? fetcher, TimeProvider time, CrlCache cache)
{
    /// <summary>At most this many certificates between the end entity and the anchor.</summary>
    public const int MaxPathLength = 8;

    /// <summary>At most this many CRL distribution point URLs tried per certificate.</summary>
    private const int MaxCrlUrls = 3;

    // RFC 5280 4.2.1.3 bit positions in BouncyCastle's keyUsage array.
    private const int DigitalSignature = 0;
    private const int NonRepudiation = 1;
    private const int KeyCertSign = 5;
    private const int CrlSign = 6;

    /// <summary>Builds the path from <paramref name="endEntity"/> through <paramref name="others"/> to an anchor and checks it.</summary>
    public ChainResult Validate(CertificateInfo endEntity, IReadOnlyList<CertificateInfo> others)
    {
        DateTimeOffset now = time.GetUtcNow();
        ChainResult built = BuildPath(endEntity, others);
        if (!built.Succeeded)
        {
            return built;
        }

        List<CertificateInfo> path = built.Path;
        CertificateInfo anchor = built.Anchor!;
        List<CertificateInfo> all = [.. path, anchor];

        // RFC 5280 6.1.3 (a)(2): every certificate within its validity at the time of checking.
        foreach (CertificateInfo c in all)
        {
            if (now.UtcDateTime > c.Certificate.NotAfter)
            {
                return ChainResult.Fail(AuthFailure.Expired, $"certificate '{c.SubjectText}' expired at {c.Certificate.NotAfter:u}");
            }

            if (now.UtcDateTime < c.Certificate.NotBefore)
            {
                return ChainResult.Fail(AuthFailure.NotYetValid, $"certificate '{c.SubjectText}' is not valid before {c.Certificate.NotBefore:u}");
            }
        }

        // RFC 5280 4.2.1.9 / 6.1.4 (k), (l), (m), (n): issuers are CAs, within their path length, allowed keyCertSign.
        for (int i = 1; i < all.Count; i++)
        {
            BcCertificate c = all[i].Certificate;
            int pathLen = c.GetBasicConstraints();
            if (pathLen < 0)
            {
                return ChainResult.Fail(AuthFailure.KeyUsage, $"issuer '{all[i].SubjectText}' is not a CA (basicConstraints cA is not set)");
            }

            if (i - 1 > pathLen)
            {
                return ChainResult.Fail(AuthFailure.KeyUsage, $"issuer '{all[i].SubjectText}' allows {pathLen} intermediate CAs below it, the chain has {i - 1}");
            }

            bool[]? usage = c.GetKeyUsage();
            if (usage is not null && !usage[KeyCertSign])
            {
                return ChainResult.Fail(AuthFailure.KeyUsage, $"issuer '{all[i].SubjectText}' may not sign certificates (keyUsage lacks keyCertSign)");
            }
        }

        // RFC 4945 5.1.3.2: an end-entity keyUsage, when present, must allow digitalSignature or nonRepudiation.
        bool[]? eeUsage = endEntity.Certificate.GetKeyUsage();
        if (eeUsage is not null && !eeUsage[DigitalSignature] && !eeUsage[NonRepudiation])
        {
            return ChainResult.Fail(AuthFailure.KeyUsage, $"certificate '{endEntity.SubjectText}' may not sign (keyUsage lacks digitalSignature)");
        }

        try
        {
            var parameters = new PkixParameters(new HashSet<TrustAnchor> { new(anchor.Certificate, null) })
            {
                IsRevocationEnabled = false,
                Date = now.UtcDateTime,
            };
            new PkixCertPathValidator().Validate(new PkixCertPath(path.Select(c => c.Certificate).ToList()), parameters);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return ChainResult.Fail(AuthFailure.UntrustedIssuer, $"certificate '{endEntity.SubjectText}': path validation failed ({e.Message.TrimEnd('.')})");
        }

        return ChainResult.Ok(path, anchor);
    }

    /// <summary>
    /// RFC 5280 6.3: the revocation status of every certificate of a validated path (not the anchor). Fetches CRLs
    /// through the injected fetcher; call it only once the peer has proved its key, so strangers cannot make us fetch.
    /// </summary>
    public ChainResult CheckRevocation(ChainResult validated, CancellationToken cancellationToken)
    {
        if (revocation == RevocationPolicy.None)
        {
            return validated;
        }

        List<CertificateInfo> path = validated.Path;
        for (int i = 0; i < path.Count; i++)
        {
            CertificateInfo subject = path[i];
            CertificateInfo issuer = i + 1 < path.Count ? path[i + 1] : validated.Anchor!;
            CrlStatus status = Status(subject, issuer, cancellationToken);
            if (status == CrlStatus.Revoked)
            {
                return ChainResult.Fail(AuthFailure.Revoked,
                    $"certificate '{subject.SubjectText}' (serial {Convert.ToHexString(subject.Certificate.SerialNumber.ToByteArrayUnsigned())}) is revoked by its issuer's CRL");
            }

            if (status == CrlStatus.Unknown && revocation == RevocationPolicy.Required)
            {
                return ChainResult.Fail(AuthFailure.RevocationUnknown,
                    $"no valid CRL from '{issuer.SubjectText}' covers certificate '{subject.SubjectText}', and revocation checking is required");
            }
        }

        return validated;
    }

    private ChainResult BuildPath(CertificateInfo endEntity, IReadOnlyList<CertificateInfo> others)
    {
        var path = new List<CertificateInfo> { endEntity };
        CertificateInfo current = endEntity;
        for (int depth = 0; depth <= MaxPathLength; depth++)
        {
            foreach (CertificateInfo anchor in trust.Anchors)
            {
                if (DistinguishedName.AreEquivalent(current.IssuerDer, anchor.SubjectDer) && IsSignedBy(current, anchor))
                {
                    return ChainResult.Ok(path, anchor);
                }
            }

            CertificateInfo? next = others.FirstOrDefault(o => !path.Contains(o)
                && DistinguishedName.AreEquivalent(current.IssuerDer, o.SubjectDer) && IsSignedBy(current, o));
            if (next is null)
            {
                string issuer = DistinguishedName.TryFormat(current.IssuerDer) ?? "(undecodable issuer)";
                return ChainResult.Fail(AuthFailure.UntrustedIssuer,
                    $"certificate '{endEntity.SubjectText}': no trust anchor or sent certificate '{issuer}' signed '{current.SubjectText}'");
            }

            path.Add(next);
            current = next;
        }

        return ChainResult.Fail(AuthFailure.UntrustedIssuer, $"certificate '{endEntity.SubjectText}': the chain is longer than {MaxPathLength} certificates");
    }

    private static bool IsSignedBy(CertificateInfo subject, CertificateInfo issuer)
    {
        try
        {
            subject.Certificate.Verify(issuer.Certificate.GetPublicKey());
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    private CrlStatus Status(CertificateInfo subject, CertificateInfo issuer, CancellationToken cancellationToken)
    {
        bool sawRevoked = false;
        foreach (X509Crl crl in trust.Crls)
        {
            CrlStatus s = Evaluate(crl, subject, issuer, ref sawRevoked);
            if (s != CrlStatus.Unknown)
            {
                return s;
            }
        }

        if (fetcher is not null)
        {
            foreach (Uri url in DistributionPoints(subject).Take(MaxCrlUrls))
            {
                DateTimeOffset now = time.GetUtcNow();
                if (!cache.TryGet(url, now, out X509Crl? crl))
                {
                    byte[]? bytes = null;
                    try
                    {
                        bytes = fetcher.Fetch(url, cancellationToken);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        bytes = null;
                    }

                    crl = bytes is null ? null : TrustStore.TryParseCrl(bytes);
                    cache.Put(url, crl is not null && IsFromIssuer(crl, subject, issuer) ? crl : null, now);
                }

                if (crl is not null)
                {
                    CrlStatus s = Evaluate(crl, subject, issuer, ref sawRevoked);
                    if (s != CrlStatus.Unknown)
                    {
                        return s;
                    }
                }
            }
        }

        return sawRevoked ? CrlStatus.Revoked : CrlStatus.Unknown;
    }

    // RFC 5280 6.3.3: a CRL counts when its issuer is the certificate's issuer, it is signed with the issuer's key (which
    // may sign CRLs), and it is current. A stale CRL still proves a revocation. A delta CRL or one with an issuing
    // distribution point (whose scope is not evaluated here) only ever proves a revocation, never "good".
    private CrlStatus Evaluate(X509Crl crl, CertificateInfo subject, CertificateInfo issuer, ref bool sawRevoked)
    {
        if (!IsFromIssuer(crl, subject, issuer))
        {
            return CrlStatus.Unknown;
        }

        if (crl.GetRevokedCertificate(subject.Certificate.SerialNumber) is not null)
        {
            sawRevoked = true;
        }

        DateTime now = time.GetUtcNow().UtcDateTime;
        bool current = crl.ThisUpdate <= now && (crl.NextUpdate is not { } next || now <= next);
        bool partial = crl.GetExtensionValue(X509Extensions.DeltaCrlIndicator) is not null
            || crl.GetExtensionValue(X509Extensions.IssuingDistributionPoint) is not null;
        if (sawRevoked && current)
        {
            return CrlStatus.Revoked;
        }

        return current && !partial && !sawRevoked ? CrlStatus.Good : CrlStatus.Unknown;
    }

    private static bool IsFromIssuer(X509Crl crl, CertificateInfo subject, CertificateInfo issuer)
    {
        try
        {
            if (!DistinguishedName.AreEquivalent(crl.IssuerDN.GetEncoded(Asn1Encodable.Der), subject.IssuerDer))
            {
                return false;
            }

            bool[]? usage = issuer.Certificate.GetKeyUsage();
            if (usage is not null && !usage[CrlSign])
            {
                return false;
            }

            crl.Verify(new Asn1VerifierFactoryProvider(issuer.Certificate.GetPublicKey()));
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    // RFC 5280 4.2.1.13: the http(s) URIs of fullName distribution points.
    private static List<Uri> DistributionPoints(CertificateInfo subject)
    {
        var urls = new List<Uri>();
        try
        {
            Asn1OctetString? ext = subject.Certificate.GetExtensionValue(X509Extensions.CrlDistributionPoints);
            if (ext is null)
            {
                return urls;
            }

            foreach (DistributionPoint dp in CrlDistPoint.GetInstance(X509ExtensionUtilities.FromExtensionValue(ext)).GetDistributionPoints())
            {
                if (dp.DistributionPointName?.Type != DistributionPointName.FullName)
                {
                    continue;
                }

                foreach (GeneralName name in GeneralNames.GetInstance(dp.DistributionPointName.Name).GetNames())
                {
                    if (name.TagNo == GeneralName.UniformResourceIdentifier
                        && Uri.TryCreate(DerIA5String.GetInstance(name.Name).GetString(), UriKind.Absolute, out Uri? url)
                        && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
                    {
                        urls.Add(url);
                    }
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A malformed extension gives no URL; the policy decides what an unknown status means.
        }

        return urls;
    }

    private enum CrlStatus
    {
        Unknown,
        Good,
        Revoked,
    }
}
