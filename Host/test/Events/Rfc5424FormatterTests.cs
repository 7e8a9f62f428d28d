using System.Text;
using IpsecFw.Host.Events;

namespace IpsecFw.Host.Tests.Events;

/// <summary>The RFC 5424 message of an event: header, PRI, structured data with escaped values (6.3.3), length limit.</summary>
public sealed class Rfc5424FormatterTests
{
    private static readonly DateTimeOffset s_time = new(2026, 11, 25, 11, 42, 25, 123, TimeSpan.Zero);

    [Fact]
    public void The_header_has_PRI_version_timestamp_hostname_app_name_procid_and_msgid()
    {
        var e = new RenderedEvent(s_time, "denied", EventRenderer.Warning, "denied inbound tcp", [EventField.Of("direction", "inbound"), EventField.Of("sourcePort", 40001)]);

        // local4 = 20: PRI = 20 * 8 + 4 = 164.
        string text = Encoding.UTF8.GetString(Rfc5424Formatter.Format(e, facility: 20, host: "host1.example.com", processId: 4242));

        Assert.Equal("<164>1 2026-11-25T11:42:25.123Z host1.example.com ipsecfw 4242 denied [ipsecfw@32473 direction=\"inbound\" sourcePort=\"40001\"] denied inbound tcp", text);
    }

    [Theory]
    [InlineData(0, 4, "<4>")]    // kern.warning
    [InlineData(10, 5, "<85>")]  // authpriv.notice
    [InlineData(23, 4, "<188>")] // local7.warning
    public void PRI_is_facility_times_eight_plus_severity(int facility, int severity, string pri)
    {
        var e = new RenderedEvent(s_time, "x", severity, "m", []);
        Assert.StartsWith(pri + "1 ", Encoding.UTF8.GetString(Rfc5424Formatter.Format(e, facility, "h", 1)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CN=a\"b", "CN=a\\\"b")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("x]y", "x\\]y")]
    [InlineData("all \"\\] three", "all \\\"\\\\\\] three")]
    [InlineData("ünïcode = [fine]", "ünïcode = [fine\\]")]
    public void Quote_backslash_and_close_bracket_are_escaped_in_PARAM_VALUE(string value, string escaped)
    {
        var e = new RenderedEvent(s_time, "denied", 4, "", [EventField.Of("peer", value)]);
        string text = Encoding.UTF8.GetString(Rfc5424Formatter.Format(e, 10, "h", 1));
        Assert.EndsWith("[ipsecfw@32473 peer=\"" + escaped + "\"]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_fields_are_printable_US_ASCII_and_an_empty_hostname_is_the_NILVALUE()
    {
        var e = new RenderedEvent(s_time, "ike refused", 4, "m", []);
        string text = Encoding.UTF8.GetString(Rfc5424Formatter.Format(e, 10, "", 7));
        Assert.StartsWith("<84>1 2026-11-25T11:42:25.123Z - ipsecfw 7 ike_refused [ipsecfw@32473] m", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_message_is_cut_to_the_limit_on_a_character_boundary_and_the_structured_data_stays_whole()
    {
        string message = new string('a', 1900) + new string('é', 200); // 'é' is two octets: the cut falls among them
        var e = new RenderedEvent(s_time, "denied", 4, message, [EventField.Of("reason", "policy_denied")]);

        byte[] octets = Rfc5424Formatter.Format(e, 10, "h", 1);

        Assert.True(octets.Length is > 2040 and <= Rfc5424Formatter.MaxMessageBytes, octets.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string text = Encoding.UTF8.GetString(octets);
        Assert.DoesNotContain('\uFFFD', text);
        Assert.Contains("[ipsecfw@32473 reason=\"policy_denied\"] aaaa", text, StringComparison.Ordinal);
        Assert.EndsWith("é", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TCP_framing_is_the_octet_count_a_space_and_the_message()
    {
        byte[] message = Encoding.UTF8.GetBytes("<84>1 - - ipsecfw 1 x [ipsecfw@32473] é");
        byte[] framed = SyslogTcpSink.Frame(message);
        Assert.Equal(Encoding.ASCII.GetBytes(message.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ").Concat(message), framed);
        Assert.StartsWith("40 ", Encoding.UTF8.GetString(framed), StringComparison.Ordinal);
    }
}
