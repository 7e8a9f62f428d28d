using System.Globalization;

namespace IpsecFw.Host.Platform;

/// <summary>
/// Socket inode → the process that holds it, from the links in <c>/proc/PID/fd</c> (<c>socket:[INODE]</c>). A cache of
/// at most <see cref="MaxEntries"/> inodes, filled by one scan of every process; a cached answer is checked against
/// that one process's descriptors before it is believed (the socket may have been closed, the PID reused), and a miss
/// scans again. Not thread-safe: <see cref="LinuxSocketOwnerResolver"/> holds its lock around it.
/// </summary>
internal sealed class ProcessSocketIndex(string procRoot = "/proc", int maxEntries = ProcessSocketIndex.DefaultMaxEntries)
{
    /// <summary>Inodes remembered at most.</summary>
    public const int DefaultMaxEntries = 65_536;

    private const string SocketPrefix = "socket:[";
    private readonly Dictionary<uint, int> _byInode = [];

    /// <summary>Inodes remembered at most.</summary>
    public int MaxEntries { get; } = maxEntries;

    /// <summary>Whole scans of <c>/proc</c> so far.</summary>
    public long Scans { get; private set; }

    /// <summary>The process holding socket <paramref name="inode"/>, or 0; <paramref name="denied"/> when some process could not be read.</summary>
    public int Find(uint inode, out bool denied)
    {
        denied = false;
        if (_byInode.TryGetValue(inode, out int pid))
        {
            if (Holds(pid, inode, ref denied))
            {
                return pid;
            }

            _byInode.Remove(inode);
        }

        Scan(ref denied);
        return _byInode.GetValueOrDefault(inode);
    }

    /// <summary>The program of <paramref name="pid"/> (the target of <c>/proc/PID/exe</c>), or null.</summary>
    public string? ProgramOf(int pid, out bool denied)
    {
        denied = false;
        try
        {
            return new FileInfo(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "exe")).LinkTarget;
        }
        catch (UnauthorizedAccessException)
        {
            denied = true;
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private void Scan(ref bool denied)
    {
        Scans++;
        _byInode.Clear();
        IEnumerable<string> processes;
        try
        {
            processes = Directory.EnumerateDirectories(procRoot);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            denied |= e is UnauthorizedAccessException;
            return;
        }

        foreach (string dir in processes)
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            foreach (uint inode in Sockets(pid, ref denied))
            {
                if (_byInode.Count >= MaxEntries)
                {
                    return;
                }

                _byInode.TryAdd(inode, pid);
            }
        }
    }

    private bool Holds(int pid, uint inode, ref bool denied)
    {
        foreach (uint i in Sockets(pid, ref denied))
        {
            if (i == inode)
            {
                return true;
            }
        }

        return false;
    }

    private List<uint> Sockets(int pid, ref bool denied)
    {
        var found = new List<uint>();
        try
        {
            foreach (string fd in Directory.EnumerateFiles(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "fd")))
            {
                string? target = ReadLink(fd);
                if (target is not null && target.StartsWith(SocketPrefix, StringComparison.Ordinal) && target.EndsWith(']')
                    && uint.TryParse(target.AsSpan(SocketPrefix.Length, target.Length - SocketPrefix.Length - 1), NumberStyles.None,
                        CultureInfo.InvariantCulture, out uint inode))
                {
                    found.Add(inode);
                }
            }
        }
        catch (UnauthorizedAccessException)
        {
            denied = true;
        }
        catch (IOException)
        {
            // The process ended during the scan.
        }

        return found;
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
