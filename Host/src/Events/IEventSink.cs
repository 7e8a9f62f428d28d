namespace IpsecFw.Host.Events;

/// <summary>
/// Where rendered events go (the JSON-lines file, a syslog collector). Called by the event writer's thread only; a
/// sink never throws for an I/O failure: it counts it.
/// </summary>
internal interface IEventSink : IDisposable
{
    /// <summary>The prefix of this sink's counters in <c>ipsecfw status</c> (<c>file</c>, <c>syslog0</c>...).</summary>
    string Name { get; }

    /// <summary>Where the events go, for the start-up log line.</summary>
    string Description { get; }

    /// <summary>Writes (or queues) one event.</summary>
    void Write(RenderedEvent e);

    /// <summary>Pushes buffered output out (after each batch).</summary>
    void Flush();

    /// <summary>Closes and opens the output again (SIGHUP, for logrotate); nothing for network sinks.</summary>
    void Reopen();

    /// <summary>This sink's counters (names without the prefix).</summary>
    IEnumerable<KeyValuePair<string, long>> ReadCounters();
}
