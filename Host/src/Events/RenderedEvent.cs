namespace IpsecFw.Host.Events;

/// <summary>An event ready for the sinks: its time, name (syslog MSGID), severity, one line of text and its fields.</summary>
/// <param name="Time">When it happened (UTC).</param>
/// <param name="Name">The event's name: <c>denied</c>, <c>ike-refused</c>, <c>suppressed</c> (printable US-ASCII, at most 32).</param>
/// <param name="Severity">The RFC 5424 severity (4 warning, 5 notice).</param>
/// <param name="Message">A sentence for people (syslog MSG, JSON <c>message</c>).</param>
/// <param name="Fields">The structured fields, in a fixed order per event name.</param>
internal sealed record RenderedEvent(DateTimeOffset Time, string Name, int Severity, string Message, IReadOnlyList<EventField> Fields);
