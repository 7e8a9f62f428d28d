using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IpsecFw.Host.Configuration;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Who this host is in the policy: the names of its own certificate (<c>identity.certificate</c>), or else the name in
/// <c>policy.self</c>, or nobody; and its addresses: those of <c>tun.addresses</c> (the overlay, what inner packets
/// carry) and its IKE address (<c>ike.localAddress</c>, else the address the kernel would use towards the first peer).
/// The policy is specialised for it.
/// </summary>
internal static class SelfIdentity
{
    public static PeerIdentity? From(HostConfig config)
    {
        if (config.Identity is { } id)
        {
            using X509Certificate2? certificate = TryLoadCertificate(config.ResolvePath(id.Certificate));
            if (certificate is not null)
            {
                return FromCertificate(certificate);
            }
        }

        return config.Policy.Self is { } name
            ? new PeerIdentity { SubjectDn = "CN=" + name, CommonName = name, DnsNames = [name], NotBefore = DateTimeOffset.UnixEpoch, NotAfter = DateTimeOffset.MaxValue }
            : null;
    }

    public static IReadOnlyList<IPAddress> Addresses(HostConfig config)
    {
        var addresses = new List<IPAddress>();
        if (config.Tun is { } tun)
        {
            addresses.AddRange(tun.Addresses.Select(a => IpPrefix.TryParse(a, out IpPrefix p) ? p.Address : null).OfType<IPAddress>());
        }

        if (IkeAddress(config) is { } ike && !addresses.Contains(ike))
        {
            addresses.Add(ike);
        }

        return addresses;
    }

    /// <summary>The IKE address as <see cref="IkeService.LocalAddress"/> finds it, or null when it cannot (no peers, no route).</summary>
    private static IPAddress? IkeAddress(HostConfig config)
    {
        if (OperatingSystem.IsLinux() && (config.Ike.LocalAddress is not null || config.Peers.Any(p => p.Address is not null)))
        {
            try
            {
                return IkeService.LocalAddress(config);
            }
            catch (IkeStartException)
            {
                return null; // IKE reports it at its own start
            }
        }

        return null;
    }

    /// <summary>The names and dates of a certificate, as IKE will hand them to the policy for a peer.</summary>
    public static PeerIdentity FromCertificate(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var ous = new List<string>();
        foreach (X500RelativeDistinguishedName rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.GetSingleElementType().Value == "2.5.4.11" && rdn.GetSingleElementValue() is { } ou)
            {
                ous.Add(ou);
            }
        }

        var dns = new List<string>();
        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                dns.AddRange(san.EnumerateDnsNames());
            }
        }

        string? cn = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return new PeerIdentity
        {
            SubjectDn = certificate.Subject,
            CommonName = string.IsNullOrEmpty(cn) ? null : cn,
            OrganizationalUnits = ous,
            DnsNames = dns,
            IssuerDn = certificate.Issuer,
            SerialHex = certificate.SerialNumber.ToLower(CultureInfo.InvariantCulture),
            NotBefore = certificate.NotBefore.ToUniversalTime(),
            NotAfter = certificate.NotAfter.ToUniversalTime(),
        };
    }

    private static X509Certificate2? TryLoadCertificate(string path)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            string text = Encoding.ASCII.GetString(bytes);
            return text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(text)
                : X509CertificateLoader.LoadCertificate(bytes);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
