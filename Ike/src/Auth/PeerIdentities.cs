using System.Net;
using System.Text;
using IpsecFw.Ike.Messages;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Ike.Auth;

/// <summary>Builds the <see cref="PeerIdentity"/> the SPD sees, and renders IDs for log sentences. Stateless.</summary>
internal static class PeerIdentities
{
    /// <summary>Longest ID rendered into a log sentence.</summary>
    private const int MaxDescribedLength = 128;

    /// <summary>
    /// A PSK peer's identity: only what its ID payload says (a DN gives SubjectDn, CN and OUs; an FQDN a DNS name; an
    /// RFC 822 address an e-mail address; addresses and other types nothing but the log text).
    /// </summary>
    public static PeerIdentity FromId(IdType type, byte[] data)
    {
        switch (type)
        {
            case IdType.DerAsn1Dn when DistinguishedName.TryDecode(data, out List<List<DistinguishedName.Attribute>>? rdns):
                return new PeerIdentity
                {
                    SubjectDn = DistinguishedName.Format(rdns),
                    CommonName = DistinguishedName.CommonName(rdns),
                    OrganizationalUnits = DistinguishedName.OrganizationalUnits(rdns),
                };
            case IdType.Fqdn:
                return new PeerIdentity { DnsNames = [Encoding.ASCII.GetString(data)] };
            case IdType.Rfc822Address:
                return new PeerIdentity { EmailAddresses = [Encoding.ASCII.GetString(data)] };
            default:
                return new PeerIdentity();
        }
    }

    /// <summary>A printable rendering of an ID for log sentences (never secret; bounded length).</summary>
    public static string Describe(IdType type, byte[] data)
    {
        string text = type switch
        {
            IdType.Ipv4Address when data.Length == 4 => new IPAddress(data).ToString(),
            IdType.Ipv6Address when data.Length == 16 => new IPAddress(data).ToString(),
            IdType.Fqdn or IdType.Rfc822Address => Printable(data),
            IdType.DerAsn1Dn => DistinguishedName.TryFormat(data) ?? "(malformed DN)",
            _ => $"({data.Length} bytes)",
        };
        if (text.Length > MaxDescribedLength)
        {
            text = string.Concat(text.AsSpan(0, MaxDescribedLength), "...");
        }

        return $"{type} '{text}'";
    }

    private static string Printable(byte[] data)
    {
        var sb = new StringBuilder(data.Length);
        foreach (byte b in data)
        {
            sb.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        }

        return sb.ToString();
    }
}
