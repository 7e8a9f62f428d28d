namespace IpsecFw.Host.Events;

/// <summary>One named field of an event: text, or a number when <see cref="Text"/> is null.</summary>
/// <param name="Name">The field's name: a JSON member and an RFC 5424 PARAM-NAME (at most 32 US-ASCII characters, no '=', ' ', ']' or '"').</param>
/// <param name="Text">The text value, or null for a number.</param>
/// <param name="Number">The number (when <paramref name="Text"/> is null).</param>
internal readonly record struct EventField(string Name, string? Text, long Number = 0)
{
    /// <summary>A text field.</summary>
    public static EventField Of(string name, string text) => new(name, text);

    /// <summary>A number field.</summary>
    public static EventField Of(string name, long number) => new(name, null, number);
}
