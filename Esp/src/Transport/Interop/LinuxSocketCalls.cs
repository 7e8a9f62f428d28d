using System.Runtime.InteropServices;

namespace IpsecFw.Esp.Transport.Interop;

/// <summary>
/// The few Linux socket calls the UDP and raw ESP binds batch with: <c>recvmmsg(2)</c>, <c>sendmmsg(2)</c>, <c>poll(2)</c>,
/// <c>setsockopt(2)</c>, and <c>socket(2)</c> for the raw ESP socket (.NET refuses protocol numbers it does not know). Descriptors are plain <c>int</c>s: the caller holds a reference on the socket's
/// <see cref="SafeHandle"/> for the whole batch (one AddRef per batch, not per datagram).
/// </summary>
internal static unsafe partial class LinuxSocketCalls
{
    // <sys/socket.h>
    public const int SolSocket = 1;
    public const int SoSndBuf = 7;
    public const int SoRcvBuf = 8;
    public const int SoSndBufForce = 32;
    public const int SoRcvBufForce = 33;
    public const int MsgTrunc = 0x20;
    public const int MsgDontWait = 0x40;

    // <netinet/udp.h>, <linux/udp.h>
    public const int SolUdp = 17;
    public const int UdpSegment = 103;

    // <poll.h>
    public const short PollIn = 0x1;

    // <errno.h>
    public const int EIntr = 4;
    public const int EIo = 5;
    public const int EBadF = 9;
    public const int EAgain = 11;
    public const int EInval = 22;
    public const int EMsgSize = 90;
    public const int ENotSock = 88;

    [LibraryImport("libc", EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int RecvMmsg(int fd, MMsgHdr* msgs, uint count, int flags, void* timeout);

    [LibraryImport("libc", EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMmsg(int fd, MMsgHdr* msgs, uint count, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    // <sys/socket.h>: SOCK_RAW, SOCK_CLOEXEC; AF_INET, AF_INET6
    public const int SockRaw = 3;
    public const int SockCloexec = 0x80000;
    public const int AfInet = 2;
    public const int AfInet6 = 10;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int CreateSocket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);
}
