using System.Net;
using System.Net.Sockets;
using IpsecFw.Esp.Transport;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// IKE over UDP: a socket of its own on port 500, and port 4500 shared with the ESP data path (RFC 3948 2.2): the
/// data path's <see cref="UdpBind"/> owns the 4500 socket, hands IKE messages found behind the non-ESP marker to this
/// transport (<see cref="IIkeDatagramSink"/>) and sends ours with the marker in front.
/// <para>
/// Each receive thread screens a datagram before it queues it for the engine (<see cref="IkeEngine.Screen"/>): while
/// cookies are required, IKE_SA_INIT requests without a valid cookie are answered right there from the raw datagram,
/// with no allocation, so that a spoofed flood neither fills the engine's queue nor the kernel's receive buffer
/// (forced to <see cref="UdpBind.SocketBufferSize"/> on 500, as on 4500).
/// </para>
/// </summary>
public sealed class UdpIkeTransport : IIkeTransport, IIkeDatagramSink, IDisposable
{
    private const int IkeSpecMarker = Messages.IkeSpec.NonEspMarkerSize;
    private readonly Socket _socket500;
    private readonly UdpBind _bind4500;
    private readonly Thread _receiver;
    // One answer buffer per receive thread: [0..4) the non-ESP marker (zero) for 4500, then the COOKIE response.
    private readonly byte[] _answer500 = new byte[CookieScreen.ResponseLength];
    private readonly byte[] _answer4500 = new byte[IkeSpecMarker + CookieScreen.ResponseLength];
    private volatile bool _disposed;
    private IkeEngine? _engine;
    private long _sendErrors;

    /// <summary>Binds UDP/500 on <paramref name="local"/>; <paramref name="bind4500"/> is the data path's 4500 socket.</summary>
    public UdpIkeTransport(IPAddress local, UdpBind bind4500, int port500 = 500)
    {
        ArgumentNullException.ThrowIfNull(local);
        _bind4500 = bind4500 ?? throw new ArgumentNullException(nameof(bind4500));
        _socket500 = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _socket500.ReceiveBufferSize = UdpBind.SocketBufferSize;
            UdpBind.ForceBufferSizes(_socket500);
            _socket500.Bind(new IPEndPoint(local, port500));
        }
        catch
        {
            _socket500.Dispose();
            throw;
        }

        LocalEndPoint500 = (IPEndPoint)_socket500.LocalEndPoint!;
        LocalEndPoint4500 = new IPEndPoint(local, bind4500.LocalEndPoint.Port);
        _receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = "ike-udp500" };
    }

    /// <summary>The port-500 address.</summary>
    public IPEndPoint LocalEndPoint500 { get; }

    /// <summary>The port-4500 address.</summary>
    public IPEndPoint LocalEndPoint4500 { get; }

    /// <summary>The firewall mark of what the port-500 socket sends (<see cref="SocketMark"/>; the port-4500 socket is the ESP bind's).</summary>
    public uint Mark
    {
        get => SocketMark.Get(_socket500);
        set => SocketMark.Set(_socket500, value);
    }

    /// <summary>The UDP/500 socket's file descriptor (for the kernel's per-socket counters in <c>/proc/net/udp</c>); -1 once closed.</summary>
    public nint Socket500Handle => _disposed ? -1 : _socket500.Handle;

    /// <summary>Send failures (counted, not thrown).</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Starts delivering received datagrams to <paramref name="engine"/>.</summary>
    public void Start(IkeEngine engine)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _receiver.Start();
    }

    /// <inheritdoc/>
    public void Send(ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(remote);
        if (local.Port == LocalEndPoint4500.Port)
        {
            byte[] framed = new byte[4 + message.Length];
            message.CopyTo(framed.AsSpan(4));
            if (!_bind4500.SendDatagram(framed, remote))
            {
                Interlocked.Increment(ref _sendErrors);
            }

            return;
        }

        try
        {
            _socket500.SendTo(message, SocketFlags.None, remote);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _sendErrors);
        }
    }

    /// <inheritdoc/>
    public bool TryDeliver(ReadOnlySpan<byte> message, SocketAddress remote)
    {
        IkeEngine? engine = _engine;
        if (engine is null)
        {
            return false;
        }

        switch (engine.Screen(message, AddressBytes(remote), _answer4500.AsSpan(IkeSpecMarker)))
        {
            case CookieScreenResult.Answer:
                if (!_bind4500.SendDatagram(_answer4500, remote))
                {
                    Interlocked.Increment(ref _sendErrors);
                }

                return true;
            case CookieScreenResult.Malformed:
                return true;
        }

        var from = (IPEndPoint)LocalEndPoint4500.Create(remote);
        engine.Post(message.ToArray(), LocalEndPoint4500, from);
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _disposed = true;
        _socket500.Dispose();
        if (_receiver.IsAlive)
        {
            _receiver.Join(TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>The IP address in a received <c>sockaddr_in</c>/<c>sockaddr_in6</c>, as the bytes <see cref="IPAddress.GetAddressBytes"/> gives.</summary>
    private static ReadOnlySpan<byte> AddressBytes(SocketAddress address)
    {
        // struct sockaddr_in { family (2), port (2), in_addr (4) }; struct sockaddr_in6 { family, port, flowinfo (4), in6_addr (16), scope }.
        ReadOnlySpan<byte> raw = address.Buffer.Span[..Math.Min(address.Size, address.Buffer.Length)];
        return address.Family == AddressFamily.InterNetworkV6
            ? raw.Length >= 24 ? raw.Slice(8, 16) : []
            : raw.Length >= 8 ? raw.Slice(4, 4) : [];
    }

    private void Send500(ReadOnlySpan<byte> message, SocketAddress remote)
    {
        try
        {
            _socket500.SendTo(message, SocketFlags.None, remote);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _sendErrors);
        }
    }

    private void ReceiveLoop()
    {
        byte[] buffer = new byte[65536];
        SocketAddress from = UdpBind.CreateAddressSlot();
        IkeEngine engine = _engine!;
        while (!_disposed)
        {
            try
            {
                if (_socket500.Available == 0 && !_socket500.Poll(200_000, SelectMode.SelectRead))
                {
                    continue;
                }

                from.Size = from.Buffer.Length;
                int n = _socket500.ReceiveFrom(buffer, SocketFlags.None, from);
                ReadOnlySpan<byte> message = buffer.AsSpan(0, n);
                switch (engine.Screen(message, AddressBytes(from), _answer500))
                {
                    case CookieScreenResult.Answer:
                        Send500(_answer500, from);
                        break;
                    case CookieScreenResult.Forward:
                        engine.Post(message.ToArray(), LocalEndPoint500, (IPEndPoint)LocalEndPoint500.Create(from));
                        break;
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_disposed)
                {
                    return;
                }
            }
        }
    }
}
