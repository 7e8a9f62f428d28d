using System.Runtime.InteropServices;

namespace IpsecFw.Tun.Interop;

/// <summary>
/// The few libc calls the Linux TUN needs. File descriptors for the packet path are plain <c>int</c>s so the caller can
/// hold a <see cref="SafeHandle"/> reference across a whole batch (one AddRef per batch, not per call).
/// </summary>
internal static unsafe partial class LibC
{
    // <fcntl.h>
    public const int ORdWr = 0x2;
    public const int ONonBlock = 0x800;
    public const int OCloExec = 0x80000;

    // <linux/if_tun.h>
    public const short IffTun = 0x0001;
    public const short IffNoPi = 0x1000;
    public const short IffMultiQueue = 0x0100;
    public const short IffVnetHdr = 0x4000;

    // TUNSETOFFLOAD's argument: what the reader of the queue can take (checksums left to complete, TSO super-packets).
    public const uint TunFCsum = 0x01;
    public const uint TunFTso4 = 0x02;
    public const uint TunFTso6 = 0x04;

    /// <summary><c>TUNSETIFF = _IOW('T', 202, int)</c>.</summary>
    public const uint TunSetIff = 0x400454CA;

    /// <summary><c>TUNSETOFFLOAD = _IOW('T', 208, unsigned int)</c>: the flags are the argument itself, not a pointer.</summary>
    public const uint TunSetOffload = 0x400454D0;

    /// <summary><c>TUNSETVNETHDRSZ = _IOW('T', 216, int)</c>: a pointer to the header size.</summary>
    public const uint TunSetVnetHdrSz = 0x400454D8;

    // <linux/sockios.h>
    public const uint SiocGIfMtu = 0x8921;
    public const uint SiocSIfMtu = 0x8922;

    // <sys/socket.h>
    public const int AfInet = 2;
    public const int SockDgram = 2;
    public const int SockCloExec = 0x80000;

    // <sys/eventfd.h>
    public const int EfdCloExec = 0x80000;
    public const int EfdNonBlock = 0x800;

    // <poll.h>
    public const short PollIn = 0x1;
    public const short PollErr = 0x8;
    public const short PollHup = 0x10;
    public const short PollNval = 0x20;

    // <sched.h>
    public const int CloneNewNet = 0x40000000;

    // <errno.h>
    public const int EPerm = 1;
    public const int ENoEnt = 2;
    public const int EIntr = 4;
    public const int EAgain = 11;
    public const int EAcces = 13;
    public const int EBusy = 16;
    public const int ENoDev = 19;
    public const int EInval = 22;
    public const int ENameTooLong = 36;
    public const int EBadFd = 77;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(SafeHandle fd, nuint request, ref Ifreq ifr);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(SafeHandle fd, nuint request, nuint arg);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(SafeHandle fd, nuint request, ref int arg);

    [LibraryImport("libc", EntryPoint = "writev", SetLastError = true)]
    public static partial nint WriteV(int fd, IoVec* iov, int iovcnt);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buf, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buf, nuint count);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint nfds, int timeout);

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initval, int flags);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(SafeHandle fd, int nstype);

    [LibraryImport("libc", EntryPoint = "strerror")]
    private static partial nint StrError(int errnum);

    /// <summary>The C library's text for an errno (for exception messages at open time, never per packet).</summary>
    public static string Describe(int errno) => Marshal.PtrToStringUTF8(StrError(errno)) ?? $"errno {errno}";
}
