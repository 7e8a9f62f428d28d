using System.Text.Json;
using IpsecFw.Host.Events;

namespace IpsecFw.Host.Tests.Events;

/// <summary>One event, one JSON object on one line, whatever its strings hold.</summary>
public sealed class JsonEventFormatterTests
{
    [Fact]
    public void An_event_is_one_line_with_time_host_event_fields_in_order_and_message()
    {
        var e = new RenderedEvent(new DateTimeOffset(2026, 11, 25, 11, 42, 25, 5, TimeSpan.Zero), "denied", 4, "denied inbound tcp",
            [EventField.Of("direction", "inbound"), EventField.Of("sourcePort", 40001), EventField.Of("rule", -1)]);

        string line = JsonEventFormatter.Format(e, "host1");

        Assert.Equal("{\"time\":\"2026-11-25T11:42:25.005Z\",\"host\":\"host1\",\"event\":\"denied\",\"direction\":\"inbound\",\"sourcePort\":40001,\"rule\":-1,\"message\":\"denied inbound tcp\"}\n", line);
    }

    [Fact]
    public void Quotes_backslashes_newlines_and_controls_in_values_stay_inside_one_valid_line()
    {
        const string Hostile = "CN=evil\"\\\n{\"x\":1}\u0000\u001b]";
        var e = new RenderedEvent(DateTimeOffset.UnixEpoch, "ike-refused", 4, Hostile, [EventField.Of("detail", Hostile)]);

        string line = JsonEventFormatter.Format(e, "h");

        Assert.Equal(1, line.Count(c => c == '\n'));
        Assert.EndsWith("}\n", line, StringComparison.Ordinal);
        using JsonDocument doc = JsonDocument.Parse(line);
        Assert.Equal(Hostile, doc.RootElement.GetProperty("detail").GetString());
        Assert.Equal(Hostile, doc.RootElement.GetProperty("message").GetString());
    }
}
