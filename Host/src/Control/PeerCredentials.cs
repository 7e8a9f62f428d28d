using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace IpsecFw.Host.Control;

/// <summary>
/// Who is at the other end of a Unix socket: SO_PEERCRED (Linux, <c>struct ucred { pid_t pid; uid_t uid; gid_t gid; }</c>),
/// read with <see cref="Socket.GetRawSocketOption"/>, so no unsafe code is needed.
/// </summary>
internal static class PeerCredentials
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <summary>The peer's uid, or null where the platform has no SO_PEERCRED.</summary>
    public static uint? TryGetUid(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> ucred = stackalloc byte[12];
        try
        {
            int length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
            return length >= 8 ? MemoryMarshal.Read<uint>(ucred[4..]) : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>This process's effective uid, from <c>/proc/self/status</c> (null if unreadable).</summary>
    public static uint? EffectiveUid()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    return uint.Parse(fields[2], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }

        return null;
    }
}
