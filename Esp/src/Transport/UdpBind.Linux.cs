using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Transport.Interop;

namespace IpsecFw.Esp.Transport;

/// <summary>
/// The Linux slice of <see cref="UdpBind"/>: a whole batch per system call with <c>recvmmsg(2)</c>/<c>sendmmsg(2)</c>,
/// and, when <c>IPSECFW_UDP_GSO=1</c>, UDP GSO (<c>UDP_SEGMENT</c>) on send: measured, it did not pay on this machine, so
/// it is off by default.
/// </summary>
public sealed partial class UdpBind
{
    /// <summary>
    /// Whether sends use UDP GSO: off by default (<c>IPSECFW_UDP_GSO=1</c> turns it on), never off Linux, and off for
    /// good once the kernel refused it. Settable for tests.
    /// </summary>
    internal bool UdpGsoActive
    {
        get => _gso;
        set => _gso = value && OperatingSystem.IsLinux();
    }

    private readonly MessageVector? _rx;
    private readonly MessageVector? _tx;
    // UDP GSO limits: at most 64 segments (UDP_MAX_SEGMENTS before Linux 6.9) and one IP datagram's worth of payload.
    private const int MaxGsoSegments = 64;
    private const int MaxGsoBytes = 65_000;

    private readonly Lock _sendLock = new();
    // Off unless asked for: bench/tunnel.sh did not show it paying here (docs/performance.md, "Endpoint throughput").
    private bool _gso = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("IPSECFW_UDP_GSO") == "1";

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
    /// Sends the batch in <c>sendmmsg</c> calls of up to <see cref="BatchSize"/> messages. With UDP GSO (when enabled,
    /// until the kernel refuses it once), each run of consecutive datagrams of one size (the last of a run may be shorter) is one
    /// message that the kernel cuts into datagrams: the outer stack is walked once per run instead of once per packet.
    /// A message the kernel refuses is counted in <see cref="SendErrors"/> (all its datagrams) and the batch goes on.
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
                    int next = 0;
                    while (next < bufs.Length)
                    {
                        int messages = BuildMessages(tx, bufs, next, name, remote.Size);
                        int done = 0;
                        while (done < messages)
                        {
                            int r = LinuxSocketCalls.SendMmsg(fd, tx.Headers + done, (uint)(messages - done), 0);
                            if (r > 0)
                            {
                                for (int m = done; m < done + r; m++)
                                {
                                    sent += tx.GroupCount[m];
                                }

                                done += r;
                                continue;
                            }

                            int errno = Marshal.GetLastPInvokeError();
                            if (errno == LinuxSocketCalls.EIntr)
                            {
                                continue;
                            }

                            if (tx.GroupCount[done] > 1 && _gso)
                            {
                                // The device or kernel does not take UDP GSO here: send these datagrams one by one, and
                                // everything from now on.
                                _gso = false;
                                break;
                            }

                            // The message at `done` failed (no route, full buffer, too large...): lost, as on a wire.
                            Interlocked.Add(ref _sendErrors, tx.GroupCount[done]);
                            done++;
                        }

                        next = done < messages ? tx.GroupStart[done] : tx.GroupStart[messages - 1] + tx.GroupCount[messages - 1];
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
    /// Fills <paramref name="tx"/> with messages for <c>bufs[first..]</c>, as many as its iovecs allow: one datagram per
    /// message, or with <see cref="_gso"/> a run of equal-sized datagrams per message. Returns the message count.
    /// </summary>
    private unsafe int BuildMessages(MessageVector tx, ReadOnlySpan<PacketBuffer> bufs, int first, byte* name, int nameLength)
    {
        int iov = 0, messages = 0, i = first;
        while (i < bufs.Length && iov < tx.Count)
        {
            int size = bufs[i].Length;
            int count = 1, total = size;
            if (_gso)
            {
                // Only the last datagram of a run may be shorter than the segment size (udp(7), UDP_SEGMENT).
                while (i + count < bufs.Length && iov + count < tx.Count && count < MaxGsoSegments
                    && bufs[i + count - 1].Length == size && bufs[i + count].Length <= size
                    && total + bufs[i + count].Length <= MaxGsoBytes)
                {
                    total += bufs[i + count].Length;
                    count++;
                }
            }

            for (int k = 0; k < count; k++)
            {
                tx.SetPacket(iov + k, bufs[i + k]);
            }

            tx.SetMessage(messages, iov, count, name, nameLength, count > 1 ? size : 0);
            tx.GroupStart[messages] = i;
            tx.GroupCount[messages] = count;
            messages++;
            iov += count;
            i += count;
        }

        return messages;
    }

    /// <summary>
    /// Asks for <paramref name="size"/> bytes of buffer in both directions of <paramref name="socket"/> past
    /// <c>net.core.rmem_max</c>/<c>wmem_max</c> (<c>SO_RCVBUFFORCE</c>/<c>SO_SNDBUFFORCE</c>, CAP_NET_ADMIN); without
    /// the capability the sizes already set stand. Also for the IKE daemon's own UDP/500 socket, which a flood of
    /// IKE_SA_INIT fills as fast as this one.
    /// </summary>
    public static unsafe void ForceBufferSizes(Socket socket, int size = SocketBufferSize)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        SafeSocketHandle handle = socket.SafeHandle;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
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
