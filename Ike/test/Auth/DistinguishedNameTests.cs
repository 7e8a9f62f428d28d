using System.Security.Cryptography.X509Certificates;
using IpsecFw.Ike.Auth;

namespace IpsecFw.Ike.Tests.Auth;

/// <summary>DER names rendered in RFC 4514 form, the form the policy's <c>dn</c> and <c>issuer</c> compare.</summary>
public sealed class DistinguishedNameTests
{
    [Theory]
    [InlineData("CN=host1.example.com,OU=eng,O=Example", "CN=host1.example.com,OU=eng,O=Example")]
    [InlineData("CN=\"a,b\",O=Example", "CN=a\\,b,O=Example")]
    [InlineData("CN=\"#lead\",C=DE", "CN=\\#lead,C=DE")]
    [InlineData("DC=example,DC=com", "DC=example,DC=com")]
    public void Formats_rfc4514(string input, string expected)
    {
        byte[] der = new X500DistinguishedName(input).RawData;
        Assert.Equal(expected, DistinguishedName.TryFormat(der));
    }

    [Fact]
    public void Sloppy_printable_string_multi_valued_rdn_and_unknown_type()
    {
        // SEQUENCE { SET { SEQUENCE { 2.5.4.3, PrintableString "a@b" } } }: '@' is not a PrintableString character.
        byte[] sloppy = Convert.FromHexString("300e310c300a06035504031303614062");
        Assert.Equal("CN=a@b", DistinguishedName.TryFormat(sloppy));

        // One RDN with two values (CN=x + OU=y), then serialNumber (no short name: '#' and the DER in hex).
        byte[] multi = Convert.FromHexString("3028" + "3118" + "300a06035504030c0378797a" + "300a060355040b0c03757676" + "310c300a06035504051303313233");
        Assert.Equal("2.5.4.5=#1303313233,CN=xyz+OU=uvv", DistinguishedName.TryFormat(multi));

        Assert.Null(DistinguishedName.TryFormat([0x30, 0x03, 0x31, 0x01]));
        Assert.Null(DistinguishedName.TryFormat([]));
    }
}
