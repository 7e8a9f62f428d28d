using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Events;

/// <summary>
/// Syslog over UDP (RFC 5426): one RFC 5424 message per datagram, at most
/// <see cref="Rfc5424Formatter.MaxMessageBytes"/> octets, from an unconnected socket. A datagram the kernel refuses is
/// counted (<c>failed</c>); UDP cannot tell a message that was lost on the way.
/// </summary>
internal sealed class SyslogUdpSink : IEventSink
{
    private readonly Socket _socket;
    private readonly IPEndPoint _target;
    private readonly int _facility;
    private readonly string _host;
    private readonly ILogger _logger;
    private long _sent;
    private long _failed;
    private long _nextLog;

    public SyslogUdpSink(string name, IPEndPoint target, int facility, string host, ILogger logger)
    {
        Name = name;
        _target = target;
        _facility = facility;
        _host = host;
        _logger = logger;
        _socket = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public string Description => $"syslog {Name} udp {_target}";

    /// <inheritdoc/>
    public void Write(RenderedEvent e)
    {
        byte[] message = Rfc5424Formatter.Format(e, _facility, _host, Environment.ProcessId);
        try
        {
            _socket.SendTo(message, SocketFlags.None, _target);
            _sent++;
        }
        catch (SocketException ex)
        {
            _failed++;
            long now = Environment.TickCount64;
            if (now >= _nextLog)
            {
                _nextLog = now + 60_000;
                EventLog.SyslogFailed(_logger, _target.ToString(), "udp", ex.SocketErrorCode.ToString(), 0);
            }
        }
    }

    /// <inheritdoc/>
    public void Flush()
    {
    }

    /// <inheritdoc/>
    public void Reopen()
    {
    }

    /// <inheritdoc/>
    public IEnumerable<KeyValuePair<string, long>> ReadCounters() =>
    [
        new("sent", Interlocked.Read(ref _sent)),
        new("failed", Interlocked.Read(ref _failed)),
    ];

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();
}
