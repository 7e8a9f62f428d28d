using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Text;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// X.501 distinguished names as the policy sees them: the DER Name rendered in RFC 4514 string form (most specific RDN
/// first, no spaces after commas, RFC 4514 2.4 escaping), and the attribute values the policy asks for (CN, OU).
/// Decoding never throws: a malformed name gives false. Stateless and thread-safe.
/// </summary>
internal static class DistinguishedName
{
    private const string CommonNameOid = "2.5.4.3";
    private const string OrganizationalUnitOid = "2.5.4.11";

    // RFC 4514 3: the short names a string representation uses; any other type is written as a dotted OID.
    private static readonly Dictionary<string, string> s_shortNames = new(StringComparer.Ordinal)
    {
        [CommonNameOid] = "CN",
        ["2.5.4.7"] = "L",
        ["2.5.4.8"] = "ST",
        ["2.5.4.10"] = "O",
        [OrganizationalUnitOid] = "OU",
        ["2.5.4.6"] = "C",
        ["2.5.4.9"] = "STREET",
        ["0.9.2342.19200300.100.1.25"] = "DC",
        ["0.9.2342.19200300.100.1.1"] = "UID",
    };

    /// <summary>One attribute of an RDN: its type OID and, for string types, its text (else null and the DER).</summary>
    internal readonly record struct Attribute(string Oid, string? Text, byte[] ValueDer);

    /// <summary>Decodes a DER Name into RDNs in DER order (least specific first).</summary>
    public static bool TryDecode(ReadOnlySpan<byte> der, [NotNullWhen(true)] out List<List<Attribute>>? rdns)
    {
        rdns = null;
        try
        {
            var reader = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            AsnReader name = reader.ReadSequence();
            if (reader.HasData)
            {
                return false;
            }

            var result = new List<List<Attribute>>();
            while (name.HasData)
            {
                AsnReader set = name.ReadSetOf(skipSortOrderValidation: true);
                var rdn = new List<Attribute>();
                while (set.HasData)
                {
                    AsnReader atv = set.ReadSequence();
                    string oid = atv.ReadObjectIdentifier();
                    byte[] valueDer = atv.ReadEncodedValue().ToArray();
                    if (atv.HasData)
                    {
                        return false;
                    }

                    rdn.Add(new Attribute(oid, TryReadText(valueDer), valueDer));
                }

                if (rdn.Count == 0)
                {
                    return false;
                }

                result.Add(rdn);
            }

            rdns = result;
            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The RFC 4514 string of a DER Name, or null when it does not decode.</summary>
    public static string? TryFormat(ReadOnlySpan<byte> der) => TryDecode(der, out List<List<Attribute>>? rdns) ? Format(rdns) : null;

    /// <summary>RFC 4514 2.1: RDNs from the last in DER order to the first, separated by commas.</summary>
    public static string Format(List<List<Attribute>> rdns)
    {
        var sb = new StringBuilder();
        for (int i = rdns.Count - 1; i >= 0; i--)
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            for (int j = 0; j < rdns[i].Count; j++)
            {
                if (j > 0)
                {
                    sb.Append('+');
                }

                Attribute a = rdns[i][j];
                sb.Append(s_shortNames.TryGetValue(a.Oid, out string? shortName) ? shortName : a.Oid).Append('=');
                if (a.Text is not null && s_shortNames.ContainsKey(a.Oid))
                {
                    AppendEscaped(sb, a.Text);
                }
                else
                {
                    // RFC 4514 2.4: a type without a short name has its value as '#' and the hex of its BER encoding.
                    sb.Append('#').Append(Convert.ToHexStringLower(a.ValueDer));
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>All values of one attribute type, most specific first (as they appear in the RFC 4514 string).</summary>
    public static List<string> Values(List<List<Attribute>> rdns, string oid)
    {
        var values = new List<string>();
        for (int i = rdns.Count - 1; i >= 0; i--)
        {
            foreach (Attribute a in rdns[i])
            {
                if (a.Oid == oid && a.Text is not null)
                {
                    values.Add(a.Text);
                }
            }
        }

        return values;
    }

    /// <summary>The most specific CN, or null.</summary>
    public static string? CommonName(List<List<Attribute>> rdns)
    {
        List<string> cn = Values(rdns, CommonNameOid);
        return cn.Count > 0 ? cn[0] : null;
    }

    /// <summary>The OU values.</summary>
    public static List<string> OrganizationalUnits(List<List<Attribute>> rdns) => Values(rdns, OrganizationalUnitOid);

    /// <summary>
    /// Whether two DER names are the same name: equal DER, else equal RFC 4514 strings ignoring case (a simplification of
    /// the RFC 5280 7.1 comparison rules that covers encodings differing only in string type or case).
    /// </summary>
    public static bool AreEquivalent(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.SequenceEqual(b))
        {
            return true;
        }

        string? fa = TryFormat(a);
        string? fb = TryFormat(b);
        return fa is not null && fb is not null && string.Equals(fa, fb, StringComparison.OrdinalIgnoreCase);
    }

    private static string? TryReadText(byte[] valueDer)
    {
        try
        {
            var reader = new AsnReader(valueDer, AsnEncodingRules.DER);
            Asn1Tag tag = reader.PeekTag();
            if (tag.TagClass != TagClass.Universal)
            {
                return null;
            }

            var type = (UniversalTagNumber)tag.TagValue;
            switch (type)
            {
                case UniversalTagNumber.UTF8String or UniversalTagNumber.BMPString:
                    return reader.ReadCharacterString(type);
                case UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String or UniversalTagNumber.T61String
                    or UniversalTagNumber.VisibleString or UniversalTagNumber.NumericString:
                    try
                    {
                        return reader.ReadCharacterString(type);
                    }
                    catch (AsnContentException)
                    {
                        // Many CAs put characters such as '@' or '_' in PrintableString; read the octets as Latin-1
                        // rather than lose the name.
                        AsnDecoder.ReadEncodedValue(valueDer, AsnEncodingRules.DER, out int offset, out int length, out _);
                        return System.Text.Encoding.Latin1.GetString(valueDer, offset, length);
                    }

                default:
                    return null;
            }
        }
        catch (AsnContentException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    // RFC 4514 2.4: escape the specials, a leading '#' or space, a trailing space, and NUL.
    private static void AppendEscaped(StringBuilder sb, string value)
    {
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            bool escape = c is '"' or '+' or ',' or ';' or '<' or '>' or '\\'
                || (i == 0 && (c == '#' || c == ' '))
                || (i == value.Length - 1 && c == ' ');
            if (c == '\0')
            {
                sb.Append("\\00");
            }
            else if (escape)
            {
                sb.Append('\\').Append(c);
            }
            else
            {
                sb.Append(c);
            }
        }
    }
}
