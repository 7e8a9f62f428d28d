using System.Globalization;
using System.Text;

namespace IpsecFw.Host.Events;

/// <summary>
/// An event as an RFC 5424 syslog message:
/// <code>
/// SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]                         (RFC 5424 6)
/// HEADER     = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
/// PRI        = "&lt;" facility * 8 + severity "&gt;"                                (6.2.1)
/// &lt;172&gt;1 2026-11-25T11:42:25.123Z host1 ipsecfw 4242 denied [ipsecfw@32473 direction="inbound" ... reason="policy_denied"] denied inbound tcp ...
/// </code>
/// The fields go into one SD-ELEMENT whose SD-ID is <see cref="SdId"/> (32473 is the example enterprise number of
/// RFC 5612); PARAM-VALUEs are UTF-8 with '"', '\' and ']' escaped by a backslash (6.3.3). The MSG is UTF-8 without a
/// BOM (MSG-ANY). A message longer than the limit (RFC 5426 3.2: UDP receivers should take 2048 octets) loses the end
/// of its MSG; the header and structured data, whose values are bounded, stay whole.
/// </summary>
internal static class Rfc5424Formatter
{
    /// <summary>The SD-ID of the event's fields.</summary>
    public const string SdId = "ipsecfw@32473";

    /// <summary>The APP-NAME.</summary>
    public const string AppName = "ipsecfw";

    /// <summary>The longest message sent (octets), RFC 5426 3.2's "SHOULD be able to receive" size.</summary>
    public const int MaxMessageBytes = 2048;

    /// <summary>The message's octets.</summary>
    public static byte[] Format(RenderedEvent e, int facility, string host, int processId, int maxBytes = MaxMessageBytes)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentOutOfRangeException.ThrowIfNegative(facility);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(facility, 23);
        var sb = new StringBuilder(512);
        sb.Append('<').Append((facility * 8 + e.Severity).ToString(CultureInfo.InvariantCulture)).Append(">1 ")
            .Append(EventRenderer.Timestamp(e.Time)).Append(' ')
            .Append(Header(host, 255)).Append(' ')
            .Append(AppName).Append(' ')
            .Append(processId.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(Header(e.Name, 32)).Append(' ')
            .Append('[').Append(SdId);
        foreach (EventField f in e.Fields)
        {
            sb.Append(' ').Append(f.Name).Append("=\"");
            AppendParamValue(sb, f.Text ?? f.Number.ToString(CultureInfo.InvariantCulture));
            sb.Append('"');
        }

        sb.Append(']');
        int headerBytes = Encoding.UTF8.GetByteCount(sb.ToString());
        byte[] message = Encoding.UTF8.GetBytes(e.Message);
        int room = maxBytes - headerBytes - 1;
        int take = room <= 0 ? 0 : Utf8Prefix(message, room);
        byte[] result = new byte[headerBytes + (take > 0 ? 1 + take : 0)];
        Encoding.UTF8.GetBytes(sb.ToString(), result);
        if (take > 0)
        {
            result[headerBytes] = (byte)' ';
            message.AsSpan(0, take).CopyTo(result.AsSpan(headerBytes + 1));
        }

        return result;
    }

    /// <summary>RFC 5424 6.3.3: inside PARAM-VALUE, '"', '\' and ']' MUST be escaped with a backslash.</summary>
    internal static void AppendParamValue(StringBuilder sb, string value)
    {
        foreach (char c in value)
        {
            if (c is '"' or '\\' or ']')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }
    }

    /// <summary>A header field: PRINTUSASCII (33 to 126) only, at most <paramref name="max"/> characters; empty is NILVALUE ("-").</summary>
    private static string Header(string value, int max)
    {
        var sb = new StringBuilder(Math.Min(value.Length, max));
        foreach (char c in value)
        {
            if (sb.Length == max)
            {
                break;
            }

            sb.Append(c is >= '!' and <= '~' ? c : '_');
        }

        return sb.Length == 0 ? "-" : sb.ToString();
    }

    /// <summary>The longest prefix of <paramref name="utf8"/> of at most <paramref name="max"/> bytes that ends on a character boundary.</summary>
    private static int Utf8Prefix(byte[] utf8, int max)
    {
        if (utf8.Length <= max)
        {
            return utf8.Length;
        }

        int n = max;
        while (n > 0 && (utf8[n] & 0xC0) == 0x80)
        {
            n--;
        }

        return n;
    }
}
