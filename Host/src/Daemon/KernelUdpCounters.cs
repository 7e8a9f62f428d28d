using System.Globalization;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The kernel's UDP drop counters, read from the daemon's own network namespace: per socket the <c>drops</c> column of
/// <c>/proc/net/udp</c> and <c>/proc/net/udp6</c> (datagrams the kernel dropped for that socket, mostly a full receive
/// buffer: <c>sk_drops</c>) and its receive queue, found by the socket's inode; for the namespace <c>Udp: RcvbufErrors
/// InErrors</c> of <c>/proc/net/snmp</c> and <c>Udp6RcvbufErrors Udp6InErrors</c> of <c>/proc/net/snmp6</c>. Datagrams
/// counted here never reached the daemon. Parsing is pure (tested on captured text); the file reads fail soft (a
/// missing file gives no counters).
/// </summary>
public static class KernelUdpCounters
{
    /// <summary>A socket's row of <c>/proc/net/udp</c>: its receive queue in bytes and its drop count.</summary>
    public readonly record struct SocketRow(long RxQueue, long Drops);

    /// <summary>
    /// The row of the socket with <paramref name="inode"/> in the text of <c>/proc/net/udp</c> or <c>udp6</c>
    /// (columns: sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ref pointer
    /// drops); null when it is not there.
    /// </summary>
    public static SocketRow? FindSocket(string table, long inode)
    {
        ArgumentNullException.ThrowIfNull(table);
        foreach (string line in table.Split('\n'))
        {
            string[] f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 13 || !long.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out long i) || i != inode)
            {
                continue;
            }

            int colon = f[4].IndexOf(':', StringComparison.Ordinal);
            long rx = colon > 0 && long.TryParse(f[4].AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long q) ? q : 0;
            return long.TryParse(f[12], NumberStyles.None, CultureInfo.InvariantCulture, out long drops) ? new SocketRow(rx, drops) : null;
        }

        return null;
    }

    /// <summary>
    /// The counters of <c>/proc/net/snmp</c> (pairs of lines, names then values, <c>Udp: InDatagrams ...</c>) and of
    /// <c>/proc/net/snmp6</c> (one <c>Udp6RcvbufErrors 0</c> per line), as <c>Udp.RcvbufErrors</c> and
    /// <c>Udp6RcvbufErrors</c>.
    /// </summary>
    public static Dictionary<string, long> ParseSnmp(string? snmp, string? snmp6)
    {
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        string[] lines = (snmp ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i + 1 < lines.Length; i += 2)
        {
            string[] names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries), values = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int k = 1; k < Math.Min(names.Length, values.Length); k++)
            {
                if (long.TryParse(values[k], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
                {
                    counters[names[0].TrimEnd(':') + "." + names[k]] = v;
                }
            }
        }

        foreach (string line in (snmp6 ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 2 && long.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out long v))
            {
                counters[f[0]] = v;
            }
        }

        return counters;
    }

    /// <summary>The inode of the socket behind file descriptor <paramref name="fd"/> of this process (<c>socket:[N]</c>), or null.</summary>
    public static long? SocketInode(nint fd)
    {
        if (fd < 0)
        {
            return null;
        }

        try
        {
            string? target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
            return target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && target.EndsWith(']')
                && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out long inode) ? inode : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The text of a /proc file, or null when it cannot be read.</summary>
    public static string? ReadProc(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
