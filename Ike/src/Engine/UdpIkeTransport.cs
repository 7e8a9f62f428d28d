using System.Net;
using System.Net.Sockets;
using IpsecFw.Esp.Transport;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// IKE over UDP: a socket of its own on port 500, and port 4500 shared with the ESP data path (RFC 3948 2.2): the
/// data path's <see cref="UdpBind"/> owns the 4500 socket, hands IKE messages found behind the non-ESP marker to this
/// transport (<see cref="IIkeDatagramSink"/>) and sends ours with the marker in front.
/// </summary>
public sealed class UdpIkeTransport : IIkeTransport, IIkeDatagramSink, IDisposable
{
    private readonly Socket _socket500;
    private readonly UdpBind _bind4500;
    private readonly Thread _receiver;
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

    private void ReceiveLoop()
    {
        byte[] buffer = new byte[65536];
        EndPoint any = new IPEndPoint(LocalEndPoint500.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        while (!_disposed)
        {
            try
            {
                if (!_socket500.Poll(200_000, SelectMode.SelectRead))
                {
                    continue;
                }

                EndPoint from = any;
                int n = _socket500.ReceiveFrom(buffer, ref from);
                _engine!.Post(buffer.AsSpan(0, n).ToArray(), LocalEndPoint500, (IPEndPoint)from);
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
