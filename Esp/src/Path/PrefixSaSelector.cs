using System.Net;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.DataPath;

/// <summary>
/// An <see cref="IOutboundSaSelector"/> over a small table of destination prefixes, longest prefix first. Meant for
/// tests and small static set-ups; the SPD replaces it.
/// </summary>
/// <remarks>
/// Safe for concurrent use: <see cref="Add"/> and <see cref="Remove"/> publish a new array (copy on write), and
/// <see cref="Select"/> scans whichever array it finds, without locks or allocation.
/// </remarks>
public sealed class PrefixSaSelector : IOutboundSaSelector
{
    private readonly Lock _lock = new();
    private Entry[] _entries = [];

    /// <summary>Routes inner packets to <paramref name="destination"/> through <paramref name="sa"/> to <paramref name="remote"/>.</summary>
    public void Add(IPNetwork destination, EspSa sa, IPEndPoint remote)
    {
        ArgumentNullException.ThrowIfNull(sa);
        ArgumentNullException.ThrowIfNull(remote);
        var entry = new Entry(InnerPrefix.From(destination), sa, remote.Serialize());
        lock (_lock)
        {
            Entry[] next = [.. _entries, entry];
            Array.Sort(next, static (x, y) => y.Prefix.Length.CompareTo(x.Prefix.Length));
            Volatile.Write(ref _entries, next);
        }
    }

    /// <summary>Removes every route through <paramref name="sa"/>.</summary>
    public void Remove(EspSa sa)
    {
        lock (_lock)
        {
            Entry[] next = [.. _entries.Where(e => e.Sa != sa)];
            Volatile.Write(ref _entries, next);
        }
    }

    /// <inheritdoc/>
    public EspSa? Select(ReadOnlySpan<byte> destination, out SocketAddress? remote)
    {
        foreach (Entry e in Volatile.Read(ref _entries))
        {
            if (e.Prefix.Contains(destination))
            {
                remote = e.Remote;
                return e.Sa;
            }
        }

        remote = null;
        return null;
    }

    private sealed record Entry(InnerPrefix Prefix, EspSa Sa, SocketAddress Remote);
}
