using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// Identities written as text in configuration, read the way strongSwan reads them (ipsec.conf/swanctl "id"): an
/// IPv4 or IPv6 literal is an address, <c>@name</c> is an FQDN, <c>user@host</c> an RFC 822 address, text with
/// <c>=</c> a DN in RFC 4514 form (<c>CN=host,O=Example</c>), anything else an FQDN.
/// </summary>
public static class IdentityText
{
    /// <summary>Parses an identity; throws <see cref="FormatException"/> for an empty string or a DN that does not parse.</summary>
    public static LocalIdentity Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            throw new FormatException("An identity must not be empty.");
        }

        if (IPAddress.TryParse(text, out IPAddress? address) && !text.Contains('%', StringComparison.Ordinal))
        {
            return new LocalIdentity(address.AddressFamily == AddressFamily.InterNetwork ? IdType.Ipv4Address : IdType.Ipv6Address,
                address.GetAddressBytes());
        }

        if (text[0] == '@')
        {
            return new LocalIdentity(IdType.Fqdn, Encoding.ASCII.GetBytes(text[1..]));
        }

        if (text.Contains('=', StringComparison.Ordinal))
        {
            try
            {
                return new LocalIdentity(IdType.DerAsn1Dn, new X500DistinguishedName(text).RawData);
            }
            catch (CryptographicException e)
            {
                throw new FormatException($"'{text}' is not a distinguished name.", e);
            }
        }

        return new LocalIdentity(text.Contains('@', StringComparison.Ordinal) ? IdType.Rfc822Address : IdType.Fqdn,
            Encoding.ASCII.GetBytes(text));
    }
}
