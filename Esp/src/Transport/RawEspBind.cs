using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Transport.Interop;

namespace IpsecFw.Esp.Transport;

/// <summary>
/// Raw ESP (IP protocol 50, RFC 4303) on Linux: a <c>SOCK_RAW</c>/<c>IPPROTO_ESP</c> socket bound to the local
/// address, for the SAs negotiated without UDP encapsulation (no NAT between the peers, RFC 7296 2.23). Batches of
/// packets are received with <c>recvmmsg(2)</c> into the pooled buffers at the headroom offset and sent from where they
/// lie with <c>sendmmsg(2)</c>; the kernel writes the outer IP header on send.
/// </summary>
/// <remarks>
/// <para>An IPv4 raw socket hands over the IP header too (raw(7)): it is skipped, so a received buffer's
/// <see cref="PacketBuffer.Packet"/> starts at the ESP header (<see cref="PacketBuffer.Offset"/> is the headroom plus
/// the header length). An IPv6 raw socket hands over the payload only (ipv6(7)). The kernel has reassembled fragments
/// before a raw socket sees them. A packet whose IPv4 header does not add up is dropped and counted
/// (<see cref="Malformed"/>), one larger than the buffer too (<see cref="Truncated"/>).</para>
/// <para>The destination of a send is the SA's peer address; its port (the IKE or NAT-T port the selector keeps) is
/// cleared, because an IPv6 raw socket refuses a port other than 0 or the protocol.</para>
/// <para>Needs CAP_NET_RAW. Linux only: elsewhere the constructor throws <see cref="PlatformNotSupportedException"/>.
/// The receive loop has the shape of <see cref="UdpBind"/>'s (Linux slice) without UDP GSO. Concurrency as
/// <see cref="IDatagramBind"/>: one receiving thread, any number of senders.</para>
/// </remarks>
public sealed class RawEspBind : IDatagramBind
{
    /// <summary>IANA protocol number of ESP (RFC 4303).</summary>
    public const int EspProtocol = 50;

    private const int Ipv4MinHeader = 20;
    private const int PollMicroseconds = 100_000;

    private readonly Socket _socket;
    private readonly bool _ipv4;
    private readonly MessageVector _rx;
    private readonly MessageVector _tx;
    private readonly byte[] _name = GC.AllocateArray<byte>(MessageVector.NameSize, pinned: true);
    private readonly Lock _sendLock = new();
    private volatile bool _disposed;
    private long _receiveErrors;
    private long _sendErrors;
    private long _truncated;
    private long _malformed;

    /// <summary>Opens a raw ESP socket bound to <paramref name="localAddress"/>.</summary>
    /// <exception cref="SocketException">The socket cannot be created (no CAP_NET_RAW) or bound (a start-up error).</exception>
    /// <exception cref="PlatformNotSupportedException">Not Linux.</exception>
    public RawEspBind(IPAddress localAddress, int batchSize = UdpBind.DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(localAddress);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Raw ESP sockets are implemented for Linux only.");
        }

        BatchSize = batchSize;
        _ipv4 = localAddress.AddressFamily == AddressFamily.InterNetwork;
        _socket = OpenSocket(_ipv4);
        try
        {
            _socket.ReceiveBufferSize = UdpBind.SocketBufferSize;
            _socket.SendBufferSize = UdpBind.SocketBufferSize;
            UdpBind.ForceBufferSizes(_socket);
            _rx = new MessageVector(batchSize);
            _tx = new MessageVector(batchSize);
            _socket.Bind(new IPEndPoint(localAddress, 0));
            LocalAddress = localAddress;
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public int BatchSize { get; }

    /// <summary>The bound address.</summary>
    public IPAddress LocalAddress { get; }

    /// <summary>Packets lost to receive errors.</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    /// <summary>Packets that could not be sent (no route, a full send buffer, larger than the path MTU...).</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Packets dropped because they were larger than the receive buffer (<c>MSG_TRUNC</c>).</summary>
    public long Truncated => Interlocked.Read(ref _truncated);

    /// <summary>IPv4 packets dropped because their header did not add up (version, header length).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    /// <summary>The firewall mark of everything this socket sends (<see cref="SocketMark"/>); 0: none.</summary>
    public uint Mark
    {
        get => SocketMark.Get(_socket);
        set => SocketMark.Set(_socket, value);
    }

    /// <summary>The socket's file descriptor; -1 once closed.</summary>
    public nint SocketHandle => _disposed ? -1 : _socket.Handle;

    /// <summary>
    /// Receives up to a batch of ESP packets in one <c>recvmmsg</c> (non-blocking), waiting in <c>poll</c> for at most
    /// <see cref="PollMicroseconds"/> at a time while none is queued. Dropped packets (truncated, malformed) do not
    /// count: the returned ones are always <c>bufs[0..count)</c>, with their source address (port 0) in <c>remotes</c>.
    /// </summary>
    public unsafe int Receive(Span<PacketBuffer> bufs, Span<SocketAddress> remotes)
    {
        int max = Math.Min(Math.Min(bufs.Length, remotes.Length), BatchSize);
        if (max <= 0)
        {
            return 0;
        }

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
                    _rx.PrepareReceive(i, bufs[i]);
                }

                int n = LinuxSocketCalls.RecvMmsg(fd, _rx.Headers, (uint)max, LinuxSocketCalls.MsgDontWait, null);
                if (n > 0)
                {
                    int count = Collect(n, bufs, remotes);
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
                        PollFd p = new() { Fd = fd, Events = LinuxSocketCalls.PollIn };
                        _ = LinuxSocketCalls.Poll(&p, 1, PollMicroseconds / 1000);
                        break;
                    case LinuxSocketCalls.EIntr:
                        break;
                    case LinuxSocketCalls.EBadF or LinuxSocketCalls.ENotSock:
                        return 0;
                    default:
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

    /// <summary>
    /// Sends each buffer's packet (an ESP packet, SPI first) to <paramref name="remote"/>'s address in <c>sendmmsg</c>
    /// calls of up to <see cref="BatchSize"/> messages; the kernel adds the IP header (protocol 50). A packet the kernel
    /// refuses is counted in <see cref="SendErrors"/> and the batch goes on.
    /// </summary>
    public unsafe int Send(ReadOnlySpan<PacketBuffer> bufs, SocketAddress remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (bufs.IsEmpty)
        {
            return 0;
        }

        SafeSocketHandle handle = _socket.SafeHandle;
        bool added = false;
        int sent = 0;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = (int)handle.DangerousGetHandle();
            lock (_sendLock)
            {
                int nameLength = Math.Min(remote.Size, _name.Length);
                remote.Buffer.Span[..nameLength].CopyTo(_name);
                _name.AsSpan(2, 2).Clear(); // sin_port / sin6_port: raw sockets take 0 (ipv6(7): 0 or the protocol)
                byte* name = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_name));
                int next = 0;
                while (next < bufs.Length)
                {
                    int messages = Math.Min(_tx.Count, bufs.Length - next);
                    for (int m = 0; m < messages; m++)
                    {
                        _tx.SetPacket(m, bufs[next + m]);
                        _tx.SetMessage(m, m, 1, name, nameLength, 0);
                    }

                    int done = 0;
                    while (done < messages)
                    {
                        int r = LinuxSocketCalls.SendMmsg(fd, _tx.Headers + done, (uint)(messages - done), 0);
                        if (r > 0)
                        {
                            sent += r;
                            done += r;
                            continue;
                        }

                        if (Marshal.GetLastPInvokeError() == LinuxSocketCalls.EIntr)
                        {
                            continue;
                        }

                        // The packet at `done` failed (no route, full buffer, too large...): lost, as on a wire.
                        Interlocked.Increment(ref _sendErrors);
                        done++;
                    }

                    next += messages;
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

    /// <summary>Closes the socket and wakes the receiving thread (within <see cref="PollMicroseconds"/> at most).</summary>
    public void Dispose()
    {
        _disposed = true;
        _socket.Dispose();
    }

    /// <summary>
    /// <c>socket(AF_INET or AF_INET6, SOCK_RAW, IPPROTO_ESP)</c> through libc: the <see cref="Socket"/> constructor
    /// refuses a protocol number that <see cref="ProtocolType"/> does not name on Linux.
    /// </summary>
    private static Socket OpenSocket(bool ipv4)
    {
        int fd = LinuxSocketCalls.CreateSocket(
            ipv4 ? LinuxSocketCalls.AfInet : LinuxSocketCalls.AfInet6, LinuxSocketCalls.SockRaw | LinuxSocketCalls.SockCloexec, EspProtocol);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            SocketError error = errno is 1 or 13 ? SocketError.AccessDenied : SocketError.SocketError; // EPERM, EACCES
            throw new SocketException((int)error, $"socket(SOCK_RAW, IPPROTO_ESP): {Marshal.GetPInvokeErrorMessage(errno)}");
        }

#pragma warning disable CA2000 // The socket owns the handle and closes it; a failed constructor closes it here.
        var handle = new SafeSocketHandle(fd, ownsHandle: true);
#pragma warning restore CA2000
        try
        {
            return new Socket(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Keeps the good packets of a <c>recvmmsg</c> result at the front of the batch, each pointed past its IPv4 header
    /// (RFC 791: IHL in 32-bit words, at least 5), and counts the rest.
    /// </summary>
    private int Collect(int n, Span<PacketBuffer> bufs, Span<SocketAddress> remotes)
    {
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (_rx.Truncated(i))
            {
                Interlocked.Increment(ref _truncated);
                continue;
            }

            PacketBuffer b = bufs[i];
            int length = _rx.ReceivedLength(i);
            int header = 0;
            if (_ipv4)
            {
                byte first = length > 0 ? b.Bytes[PacketBuffer.Headroom] : (byte)0;
                header = (first & 0x0F) * 4;
                if (first >> 4 != 4 || header < Ipv4MinHeader || header > length)
                {
                    Interlocked.Increment(ref _malformed);
                    continue;
                }
            }

            b.Offset = PacketBuffer.Headroom + header;
            b.Length = length - header;
            _rx.CopySource(i, remotes[count]);
            if (i != count)
            {
                bufs[i] = bufs[count];
                bufs[count] = b;
            }

            count++;
        }

        return count;
    }
}
