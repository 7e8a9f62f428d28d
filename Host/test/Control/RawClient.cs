using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace IpsecFw.Host.Tests.Control;

/// <summary>A control-socket client that can send anything, including broken frames.</summary>
internal sealed class RawClient : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public RawClient(string path) => _socket.Connect(new UnixDomainSocketEndPoint(path));

    public void SendRaw(ReadOnlySpan<byte> bytes) => _socket.Send(bytes);

    public void SendFrame(string json)
    {
        byte[] payload = Encoding.UTF8.GetBytes(json);
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)payload.Length);
        SendRaw(header);
        SendRaw(payload);
    }

    public void SendLength(uint length)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, length);
        SendRaw(header);
    }

    /// <summary>The next response frame as JSON, or null when the server closed the connection.</summary>
    public JsonDocument? Receive()
    {
        _socket.ReceiveTimeout = 10_000;
        var header = new byte[4];
        if (!ReadExactly(header))
        {
            return null;
        }

        var payload = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
        return ReadExactly(payload) ? JsonDocument.Parse(payload) : null;
    }

    /// <summary>True when the server has closed the connection (a read returns end of stream).</summary>
    public bool IsClosedByServer()
    {
        _socket.ReceiveTimeout = 10_000;
        var one = new byte[1];
        try
        {
            return _socket.Receive(one) == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }

    public void Dispose() => _socket.Dispose();

    private bool ReadExactly(byte[] buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = _socket.Receive(buffer, read, buffer.Length - read, SocketFlags.None);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }
}
