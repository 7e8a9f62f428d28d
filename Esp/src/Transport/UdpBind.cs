using System.Net;
using System.Net.Sockets;
using IpsecFw.Esp.Buffers;

namespace IpsecFw.Esp.Transport;

/// <summary>
/// A real UDP socket on a local endpoint (normally port 4500, shared by IKE and ESP, RFC 3948): datagrams are received
/// straight into the pinned <see cref="PacketBuffer"/> at the headroom offset and sent from where they lie. The
/// <see cref="SocketAddress"/> overloads of <c>ReceiveFrom</c>/<c>SendTo</c> fill and read caller-owned address
/// objects, so nothing is allocated per datagram.
/// </summary>
/// <remarks>
/// <para>On Linux a batch is one system call each way (<c>recvmmsg(2)</c>, <c>sendmmsg(2)</c>: <c>UdpBind.Linux.cs</c>);
/// elsewhere one datagram per call. The socket buffers are enlarged to <see cref="SocketBufferSize"/>: with
/// <c>SO_RCVBUFFORCE</c>/<c>SO_SNDBUFFORCE</c> when the process may (root, CAP_NET_ADMIN), else as far as
/// <c>net.core.rmem_max</c>/<c>wmem_max</c> allow, because a full receive buffer is what loses packets in user-space
/// VPNs.</para>
/// <para>Concurrency as <see cref="IDatagramBind"/>: one receiving thread, any number of senders.</para>
/// </remarks>
public sealed partial class UdpBind : IDatagramBind
{
    /// <summary>The socket buffer size asked for, in each direction.</summary>
    public const int SocketBufferSize = 4 << 20;

    /// <summary>The default batch size.</summary>
    public const int DefaultBatchSize = 32;

    // How long one wait for the first datagram lasts before the disposed flag is looked at again: bounds Dispose's
    // wake-up time even where closing a socket does not interrupt a blocked receive.
    private const int PollMicroseconds = 100_000;

    private readonly Socket _socket;
    private volatile bool _disposed;
    private long _receiveErrors;
    private long _sendErrors;
    private long _truncated;

    /// <summary>Opens a UDP socket bound to <paramref name="localEndPoint"/> (port 0 picks a free port).</summary>
    /// <exception cref="SocketException">The socket cannot be created or bound (a start-up error).</exception>
    public UdpBind(IPEndPoint localEndPoint, int batchSize = DefaultBatchSize)
    {
        ArgumentNullException.ThrowIfNull(localEndPoint);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        BatchSize = batchSize;
        _socket = new Socket(localEndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket.ReceiveBufferSize = SocketBufferSize;
            _socket.SendBufferSize = SocketBufferSize;
            if (OperatingSystem.IsLinux())
            {
                ForceBufferSizes(_socket);
                _rx = new MessageVector(batchSize);
                _tx = new MessageVector(batchSize);
            }

            _socket.Bind(localEndPoint);
            LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public int BatchSize { get; }

    /// <summary>The bound endpoint (with the port the kernel chose when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The receive buffer the kernel granted (it reports twice the usable size on Linux).</summary>
    public int ReceiveBufferSize => _socket.ReceiveBufferSize;

    /// <summary>Datagrams lost to receive errors (for example one larger than the buffer).</summary>
    public long ReceiveErrors => Interlocked.Read(ref _receiveErrors);

    /// <summary>Datagrams that could not be sent (for example no route, or a full send buffer).</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Datagrams dropped because they were larger than the receive buffer (<c>MSG_TRUNC</c>).</summary>
    public long Truncated => Interlocked.Read(ref _truncated);

    /// <summary>The send buffer the kernel granted (it reports twice the usable size on Linux).</summary>
    public int SendBufferSize => _socket.SendBufferSize;

    /// <summary>The firewall mark of everything this socket sends (<see cref="SocketMark"/>); 0: none.</summary>
    public uint Mark
    {
        get => SocketMark.Get(_socket);
        set => SocketMark.Set(_socket, value);
    }

    /// <summary>A reusable address object large enough for any source (one per batch slot).</summary>
    public static SocketAddress CreateAddressSlot() =>
        new(AddressFamily.InterNetworkV6, SocketAddress.GetMaximumAddressSize(AddressFamily.InterNetworkV6));

    /// <inheritdoc/>
    public int Receive(Span<PacketBuffer> bufs, Span<SocketAddress> remotes)
    {
        int max = Math.Min(Math.Min(bufs.Length, remotes.Length), BatchSize);
        return _rx is not null ? ReceiveBatch(bufs, remotes, max) : ReceiveOneByOne(bufs, remotes, max);
    }

    /// <inheritdoc/>
    public int Send(ReadOnlySpan<PacketBuffer> bufs, SocketAddress remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        return _tx is not null ? SendBatch(bufs, remote) : SendOneByOne(bufs, remote);
    }

    private int ReceiveOneByOne(Span<PacketBuffer> bufs, Span<SocketAddress> remotes, int max)
    {
        while (max > 0 && !_disposed)
        {
            try
            {
                if (!_socket.Poll(PollMicroseconds, SelectMode.SelectRead))
                {
                    continue;
                }

                int count = 0;
                do
                {
                    if (TryReceiveOne(bufs[count], remotes[count]))
                    {
                        count++;
                    }
                }
                while (count < max && _socket.Available > 0);

                if (count > 0)
                {
                    return count;
                }
            }
            catch (ObjectDisposedException)
            {
                return 0;
            }
            catch (SocketException)
            {
                if (_disposed)
                {
                    return 0;
                }

                Interlocked.Increment(ref _receiveErrors);
            }
        }

        return 0;
    }

    private int SendOneByOne(ReadOnlySpan<PacketBuffer> bufs, SocketAddress remote)
    {
        int sent = 0;
        foreach (PacketBuffer b in bufs)
        {
            try
            {
                _socket.SendTo(b.Packet, SocketFlags.None, remote);
                sent++;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // ICMP errors from earlier datagrams and full buffers surface here; the datagram is lost, as on a wire.
                Interlocked.Increment(ref _sendErrors);
            }
        }

        return sent;
    }

    /// <summary>
    /// Sends one datagram that is not ESP: IKE on this port, with the non-ESP marker already in front (RFC 3948 2.2).
    /// Thread-safe; a failure is counted, never thrown.
    /// </summary>
    public bool SendDatagram(ReadOnlySpan<byte> datagram, IPEndPoint remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, remote);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _sendErrors);
            return false;
        }
    }

    /// <summary>
    /// As <see cref="SendDatagram(ReadOnlySpan{byte}, IPEndPoint)"/> to an address as received (no allocation): the IKE
    /// transport's COOKIE answers on the receive thread.
    /// </summary>
    public bool SendDatagram(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, remote);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _sendErrors);
            return false;
        }
    }

    /// <summary>The socket's file descriptor (for the kernel's per-socket counters in <c>/proc/net/udp</c>); -1 once closed.</summary>
    public nint SocketHandle => _disposed ? -1 : _socket.Handle;

    /// <summary>Closes the socket and wakes the receiving thread (within <see cref="PollMicroseconds"/> at most).</summary>
    public void Dispose()
    {
        _disposed = true;
        _socket.Dispose();
    }

    private bool TryReceiveOne(PacketBuffer b, SocketAddress remote)
    {
        try
        {
            // A previous receive shrank Size to the sender's address length; the call wants room for any address.
            remote.Size = remote.Buffer.Length;
            int n = _socket.ReceiveFrom(b.Bytes.AsSpan(PacketBuffer.Headroom), SocketFlags.None, remote);
            b.Offset = PacketBuffer.Headroom;
            b.Length = n;
            return true;
        }
        catch (SocketException)
        {
            // Truncated datagrams and ICMP port-unreachable reports from an earlier send land here: drop, count, go on.
            Interlocked.Increment(ref _receiveErrors);
            return false;
        }
    }
}
