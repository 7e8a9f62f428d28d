using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace IpsecFw.Host.Events;

/// <summary>
/// One event as one JSON object on one line (JSON lines): <c>time</c>, <c>host</c>, <c>event</c>, the event's fields
/// in order, then <c>message</c>, and a line feed. Strings are escaped by <see cref="Utf8JsonWriter"/>, so a peer name
/// with quotes or control characters cannot break the line.
/// </summary>
internal static class JsonEventFormatter
{
    private static readonly JsonWriterOptions s_options = new()
    {
        Indented = false,
        SkipValidation = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // '<', '>' and '+' as themselves; quotes and controls are still escaped
    };

    /// <summary>Writes the line (ending with '\n') to <paramref name="output"/>.</summary>
    public static void Write(RenderedEvent e, string host, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(output);
        using var w = new Utf8JsonWriter(output, s_options);
        w.WriteStartObject();
        w.WriteString("time", EventRenderer.Timestamp(e.Time));
        w.WriteString("host", host);
        w.WriteString("event", e.Name);
        foreach (EventField f in e.Fields)
        {
            if (f.Text is { } text)
            {
                w.WriteString(f.Name, text);
            }
            else
            {
                w.WriteNumber(f.Name, f.Number);
            }
        }

        w.WriteString("message", e.Message);
        w.WriteEndObject();
        w.Flush();
        output.Write("\n"u8);
    }

    /// <summary>The line as a string (for tests and diagnostics).</summary>
    public static string Format(RenderedEvent e, string host)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(e, host, buffer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
