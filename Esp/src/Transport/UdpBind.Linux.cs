using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Transport.Interop;

namespace IpsecFw.Esp.Transport;

/// <summary>The Linux slice of <see cref="UdpBind"/>: a whole batch per system call with <c>recvmmsg(2)</c>/<c>sendmmsg(2)</c>.</summary>
public sealed partial class UdpBind
{
    private readonly MessageVector? _rx;
    private readonly MessageVector? _tx;
    private readonly Lock _sendLock = new();

    /// <summary>
    /// Receives up to <paramref name="max"/> datagrams in one <c>recvmmsg</c> (non-blocking); when none is queued, waits
    /// in <c>poll</c> for at most <see cref="PollMicroseconds"/> before looking at the disposed flag again. A datagram
    /// the kernel truncated (<c>MSG_TRUNC</c>: larger than the buffer) is dropped and counted in <see cref="Truncated"/>;
    /// the datagrams behind it move up, so the returned ones are always <c>bufs[0..count)</c>.
    /// </summary>
    private unsafe int ReceiveBatch(Span<PacketBuffer> bufs, Span<SocketAddress> remotes, int max)
    {
        if (max <= 0)
        {
            return 0;
        }

        MessageVector rx = _rx!;
        SafeSocketHandle handle = _socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            while (!_disposed)
            {
                for (int i = 0; i < max; i++)
                {
                    rx.PrepareReceive(i, bufs[i]);
                }

                int n = LinuxSocketCalls.RecvMmsg(fd, rx.Headers, (uint)max, LinuxSocketCalls.MsgDontWait, null);
                if (n > 0)
                {
                    int count = Collect(rx, n, bufs, remotes);
                    if (count > 0)
                    {
                        return count;
                    }

                    continue;
                }

                int errno = n < 0 ? Marshal.GetLastPInvokeError() : LinuxSocketCalls.EAgain;
                switch (errno)
                {
                    case LinuxSocketCalls.EAgain:
                        WaitReadable(fd);
                        break;
                    case LinuxSocketCalls.EIntr:
                        break;
                    case LinuxSocketCalls.EBadF or LinuxSocketCalls.ENotSock:
                        return 0;
                    default:
                        // An ICMP error queued on the socket by an earlier send, or a transient failure: count and go on.
                        Interlocked.Increment(ref _receiveErrors);
                        break;
                }
            }

            return 0;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private int Collect(MessageVector rx, int n, Span<PacketBuffer> bufs, Span<SocketAddress> remotes)
    {
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (rx.Truncated(i))
            {
                Interlocked.Increment(ref _truncated);
                continue;
            }

            PacketBuffer b = bufs[i];
            b.Offset = PacketBuffer.Headroom;
            b.Length = rx.ReceivedLength(i);
            rx.CopySource(i, remotes[count]);
            if (i != count)
            {
                // Move the good buffer up over the dropped one: the caller's batch stays dense.
                bufs[i] = bufs[count];
                bufs[count] = b;
            }

            count++;
        }

        return count;
    }

    private static unsafe void WaitReadable(int fd)
    {
        PollFd p = new() { Fd = fd, Events = LinuxSocketCalls.PollIn };
        _ = LinuxSocketCalls.Poll(&p, 1, PollMicroseconds / 1000);
    }

    /// <summary>
    /// Sends the batch in <c>sendmmsg</c> calls of up to <see cref="BatchSize"/> datagrams. A datagram the kernel
    /// refuses (the call fails on it) is counted in <see cref="SendErrors"/> and the rest of the batch goes on.
    /// </summary>
    private unsafe int SendBatch(ReadOnlySpan<PacketBuffer> bufs, SocketAddress remote)
    {
        if (bufs.IsEmpty)
        {
            return 0;
        }

        MessageVector tx = _tx!;
        SafeSocketHandle handle = _socket.SafeHandle;
        bool added = false;
        int sent = 0;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            fixed (byte* name = remote.Buffer.Span)
            {
                lock (_sendLock)
                {
                    for (int start = 0; start < bufs.Length; start += tx.Count)
                    {
                        int n = Math.Min(bufs.Length - start, tx.Count);
                        for (int i = 0; i < n; i++)
                        {
                            tx.PrepareSend(i, bufs[start + i], name, remote.Size);
                        }

                        int done = 0;
                        while (done < n)
                        {
                            int r = LinuxSocketCalls.SendMmsg(fd, tx.Headers + done, (uint)(n - done), 0);
                            if (r > 0)
                            {
                                done += r;
                                sent += r;
                                continue;
                            }

                            int errno = Marshal.GetLastPInvokeError();
                            if (errno == LinuxSocketCalls.EIntr)
                            {
                                continue;
                            }

                            // The datagram at `done` failed (no route, full buffer, too large...): lost, as on a wire.
                            Interlocked.Increment(ref _sendErrors);
                            done++;
                        }
                    }
                }
            }

            return sent;
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Add(ref _sendErrors, bufs.Length - sent);
            return sent;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Asks for <see cref="SocketBufferSize"/> in both directions past <c>net.core.rmem_max</c>/<c>wmem_max</c>
    /// (<c>SO_RCVBUFFORCE</c>/<c>SO_SNDBUFFORCE</c>, CAP_NET_ADMIN); without the capability the sizes already set stand.
    /// </summary>
    private unsafe void ForceBufferSizes()
    {
        SafeSocketHandle handle = _socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            int size = SocketBufferSize;
            _ = LinuxSocketCalls.SetSockOpt(fd, LinuxSocketCalls.SolSocket, LinuxSocketCalls.SoRcvBufForce, &size, sizeof(int));
            _ = LinuxSocketCalls.SetSockOpt(fd, LinuxSocketCalls.SolSocket, LinuxSocketCalls.SoSndBufForce, &size, sizeof(int));
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }
}
