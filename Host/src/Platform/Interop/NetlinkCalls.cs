using System.Runtime.InteropServices;

namespace IpsecFw.Host.Platform.Interop;

/// <summary>
/// The libc calls of the netlink sockets: the <c>sock_diag</c> look-up (one request, one answer) and the NFLOG reader
/// (<c>socket(2)</c>, <c>send(2)</c>, <c>recv(2)</c>, <c>setsockopt(2)</c>), and <c>if_indextoname(3)</c> for the
/// interface of a logged packet.
/// </summary>
internal static partial class NetlinkCalls
{
    // <sys/socket.h>, <linux/netlink.h>
    public const int AfNetlink = 16;
    public const int SockDgram = 2;
    public const int SockCloexec = 0x80000;
    public const int NetlinkSockDiag = 4;
    public const int NetlinkNetfilter = 12;
    public const int SoRcvBuf = 8;
    public const int SolSocket = 1;
    public const int SoRcvTimeo = 20;
    public const int SoSndTimeo = 21;

    // <errno.h>
    public const int EPerm = 1;
    public const int ENoent = 2;
    public const int EIntr = 4;
    public const int EAcces = 13;
    public const int EAgain = 11;
    public const int EBusy = 16;
    public const int ENoBufs = 105;

    /// <summary>IF_NAMESIZE: an interface name and its NUL.</summary>
    public const int IfNameSize = 16;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte[] buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte[] buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, byte[] value, uint length);

    [LibraryImport("libc", EntryPoint = "if_indextoname", SetLastError = true)]
    public static partial nint IfIndexToName(uint index, byte[] name);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
