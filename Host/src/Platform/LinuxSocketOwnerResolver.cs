using System.Runtime.InteropServices;
using IpsecFw.Host.Platform.Interop;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Platform;

/// <summary>
/// The Linux <see cref="ISocketOwnerResolver"/>: the socket by the flow's addresses and ports through a
/// <c>NETLINK_SOCK_DIAG</c> <c>SOCK_DIAG_BY_FAMILY</c> request (<see cref="SockDiag"/>; the kernel answers with the
/// established socket, or the listening / bound one that would take the flow) → its inode and uid → the process holding
/// the inode (<see cref="ProcessSocketIndex"/>, a bounded cache over <c>/proc/*/fd</c>) → its program
/// (<c>readlink /proc/PID/exe</c>). The look-up runs in the network namespace of the calling process (the daemon's).
/// </summary>
/// <remarks>
/// Thread-safe (one lock: a look-up is the first packet of a new flow under a <c>process</c> rule, not every packet).
/// Never throws: every failure is a <see cref="SocketOwnerStatus"/>. Allocates (the <c>/proc</c> walk); the data path
/// calls it only for new flows that need it. A reply is awaited at most <see cref="ReplyTimeout"/>.
/// </remarks>
public sealed class LinuxSocketOwnerResolver : ISocketOwnerResolver, IDisposable
{
    /// <summary>How long the kernel's answer is awaited.</summary>
    public static TimeSpan ReplyTimeout { get; } = TimeSpan.FromMilliseconds(200);

    private readonly Lock _lock = new();
    private readonly ProcessSocketIndex _processes;
    private readonly byte[] _request = new byte[SockDiag.RequestLength];
    private readonly byte[] _reply = new byte[8192];
    private int _fd = -1;
    private uint _sequence;
    private bool _disposed;

    /// <summary>A resolver over <paramref name="procRoot"/> (<c>/proc</c>).</summary>
    public LinuxSocketOwnerResolver(string procRoot = "/proc") => _processes = new ProcessSocketIndex(procRoot);

    /// <summary>Whole scans of <c>/proc/*/fd</c> so far (a miss of the inode cache).</summary>
    public long ProcScans
    {
        get
        {
            lock (_lock)
            {
                return _processes.Scans;
            }
        }
    }

    /// <inheritdoc/>
    public SocketOwner Resolve(byte protocol, UInt128 local, ushort localPort, UInt128 remote, ushort remotePort)
    {
        if (protocol is not (IpProtocol.Tcp or IpProtocol.Udp) || !OperatingSystem.IsLinux())
        {
            return SocketOwner.Failure(SocketOwnerStatus.NotSupported);
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return SocketOwner.Failure(SocketOwnerStatus.Failed);
            }

            SocketOwner socket = LookUpSocket(protocol, local, localPort, remote, remotePort);
            if (socket.Status != SocketOwnerStatus.Found)
            {
                return socket;
            }

            int pid = _processes.Find(socket.Inode, out bool denied);
            if (pid == 0)
            {
                return SocketOwner.Failure(denied ? SocketOwnerStatus.PermissionDenied : SocketOwnerStatus.NoProcess, socket.Inode, socket.Uid);
            }

            string? program = _processes.ProgramOf(pid, out denied);
            return program is null
                ? new SocketOwner(denied ? SocketOwnerStatus.PermissionDenied : SocketOwnerStatus.NoProcess, socket.Inode, socket.Uid, pid)
                : new SocketOwner(SocketOwnerStatus.Found, socket.Inode, socket.Uid, pid, program);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            if (_fd >= 0)
            {
                _ = NetlinkCalls.Close(_fd);
                _fd = -1;
            }
        }
    }

    /// <summary>The socket's inode and uid (status <see cref="SocketOwnerStatus.Found"/>), or why not.</summary>
    private SocketOwner LookUpSocket(byte protocol, UInt128 local, ushort localPort, UInt128 remote, ushort remotePort)
    {
        if (_fd < 0 && !Open())
        {
            return SocketOwner.Failure(Marshal.GetLastPInvokeError() is NetlinkCalls.EPerm or NetlinkCalls.EAcces
                ? SocketOwnerStatus.PermissionDenied : SocketOwnerStatus.Failed);
        }

        uint sequence = ++_sequence;
        SockDiag.WriteRequest(_request, sequence, protocol, local, localPort, remote, remotePort);
        if (NetlinkCalls.Send(_fd, _request, (nuint)_request.Length, 0) != _request.Length)
        {
            return SocketOwner.Failure(Errno(Marshal.GetLastPInvokeError()));
        }

        // Answers to earlier requests that timed out may still be queued: skip them by sequence number.
        for (int i = 0; i < 16; i++)
        {
            nint n = NetlinkCalls.Recv(_fd, _reply, (nuint)_reply.Length, 0);
            if (n < 0)
            {
                int error = Marshal.GetLastPInvokeError();
                if (error == NetlinkCalls.EIntr)
                {
                    continue;
                }

                return SocketOwner.Failure(error == NetlinkCalls.EAgain ? SocketOwnerStatus.Failed : Errno(error));
            }

            switch (SockDiag.ReadAnswer(_reply.AsSpan(0, (int)n), sequence, out uint inode, out int uid, out int errno))
            {
                case SockDiag.Answer.Socket:
                    return inode == 0
                        ? SocketOwner.Failure(SocketOwnerStatus.NoProcess, 0, uid) // a request socket or time-wait: no file
                        : new SocketOwner(SocketOwnerStatus.Found, inode, uid);
                case SockDiag.Answer.Error:
                    return SocketOwner.Failure(Errno(errno));
            }
        }

        return SocketOwner.Failure(SocketOwnerStatus.Failed);
    }

    private static SocketOwnerStatus Errno(int errno) => errno switch
    {
        NetlinkCalls.ENoent => SocketOwnerStatus.NoSocket,
        NetlinkCalls.EPerm or NetlinkCalls.EAcces => SocketOwnerStatus.PermissionDenied,
        _ => SocketOwnerStatus.Failed,
    };

    private bool Open()
    {
        int fd = NetlinkCalls.Socket(NetlinkCalls.AfNetlink, NetlinkCalls.SockDgram | NetlinkCalls.SockCloexec, NetlinkCalls.NetlinkSockDiag);
        if (fd < 0)
        {
            return false;
        }

        // struct timeval { long tv_sec; long tv_usec; } on 64-bit Linux.
        byte[] timeout = new byte[16];
        long micros = (long)ReplyTimeout.TotalMicroseconds;
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(timeout, micros / 1_000_000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(timeout.AsSpan(8), micros % 1_000_000);
        if (!BitConverter.IsLittleEndian || IntPtr.Size != 8)
        {
            _ = NetlinkCalls.Close(fd);
            return false;
        }

        _ = NetlinkCalls.SetSockOpt(fd, NetlinkCalls.SolSocket, NetlinkCalls.SoRcvTimeo, timeout, (uint)timeout.Length);
        _ = NetlinkCalls.SetSockOpt(fd, NetlinkCalls.SolSocket, NetlinkCalls.SoSndTimeo, timeout, (uint)timeout.Length);
        _fd = fd;
        return true;
    }
}
