using IpsecFw.Host.Events;

namespace IpsecFw.Host.Tests.Events;

/// <summary>A sink that keeps every event it is given, in order.</summary>
internal sealed class RecordingSink : IEventSink
{
    public List<RenderedEvent> Events { get; } = [];

    public string Name => "test";

    public string Description => "test";

    public void Write(RenderedEvent e) => Events.Add(e);

    public void Flush()
    {
    }

    public void Reopen()
    {
    }

    public IEnumerable<KeyValuePair<string, long>> ReadCounters() => [new("written", Events.Count)];

    public void Dispose()
    {
    }
}
