using System.Text;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// Whether a peer's ID fits a certificate or a configured ID (RFC 4945 3.1): a DN equals the subject, an FQDN is a SAN
/// dNSName (ignoring ASCII case), an RFC 822 address a SAN rfc822Name (ignoring case), an address a SAN iPAddress.
/// Stateless; never throws for any ID data.
/// </summary>
internal static class IdentityMatcher
{
    /// <summary>Whether an ID matches the end-entity certificate's subject or subjectAltName.</summary>
    public static bool Matches(IdType type, byte[] data, CertificateInfo cert) => type switch
    {
        IdType.DerAsn1Dn => DistinguishedName.AreEquivalent(data, cert.SubjectDer),
        IdType.Fqdn => ContainsIgnoreCase(cert.DnsNames, Encoding.ASCII.GetString(data).TrimEnd('.')),
        IdType.Rfc822Address => ContainsIgnoreCase(cert.EmailAddresses, Encoding.ASCII.GetString(data)),
        IdType.Ipv4Address when data.Length == 4 => cert.IpAddresses.Any(a => a.AsSpan().SequenceEqual(data)),
        IdType.Ipv6Address when data.Length == 16 => cert.IpAddresses.Any(a => a.AsSpan().SequenceEqual(data)),
        _ => false,
    };

    /// <summary>Whether two IDs name the same identity (same type; DNs by <see cref="DistinguishedName.AreEquivalent"/>).</summary>
    public static bool IdsEqual(IdType a, byte[] aData, IdType b, byte[] bData)
    {
        if (a != b)
        {
            return false;
        }

        return a switch
        {
            IdType.DerAsn1Dn => DistinguishedName.AreEquivalent(aData, bData),
            IdType.Fqdn or IdType.Rfc822Address => string.Equals(Encoding.ASCII.GetString(aData).TrimEnd('.'),
                Encoding.ASCII.GetString(bData).TrimEnd('.'), StringComparison.OrdinalIgnoreCase),
            _ => aData.AsSpan().SequenceEqual(bData),
        };
    }

    private static bool ContainsIgnoreCase(IReadOnlyList<string> names, string name) =>
        name.Length > 0 && names.Any(n => string.Equals(n.TrimEnd('.'), name, StringComparison.OrdinalIgnoreCase));
}
