using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Events;

/// <summary>
/// Syslog over TCP with octet-counting framing (RFC 6587 3.4.1: <c>MSG-LEN SP SYSLOG-MSG</c>). <see cref="Write"/>
/// only queues the framed message into a bounded buffer (<see cref="BufferedMessages"/>; full: the message is dropped
/// and counted); a task of its own connects, sends, and on any failure closes the connection and connects again after
/// 1 s, 2 s, 4 s... at most <see cref="MaxBackoff"/> (reset by a connection that works), keeping the message it was
/// sending so none is lost to a reconnection. With <see cref="SyslogTls"/> the same frames go inside TLS (RFC 5425 4.3:
/// <c>SYSLOG-FRAME = MSG-LEN SP SYSLOG-MSG</c>): a handshake the collector's certificate fails (unknown CA, wrong name,
/// expired) is refused, counted (<c>tls_refused</c>) and retried with the same back-off; nothing is sent to it.
/// </summary>
internal sealed class SyslogTcpSink : IEventSink
{
    /// <summary>Messages held while the collector is away.</summary>
    public const int BufferedMessages = 4096;

    /// <summary>The longest wait between two connection attempts.</summary>
    public static TimeSpan MaxBackoff { get; } = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan s_connectTimeout = TimeSpan.FromSeconds(5);
    private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(BufferedMessages)
    {
        SingleReader = true,
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: the writer never waits
    });

    private readonly IPEndPoint _target;
    private readonly int _facility;
    private readonly string _host;
    private readonly ILogger _logger;
    private readonly SyslogTls? _tls;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sender;
    private long _sent;
    private long _failed;
    private long _dropped;
    private long _connects;
    private long _tlsRefused;

    public SyslogTcpSink(string name, IPEndPoint target, int facility, string host, ILogger logger, SyslogTls? tls = null)
    {
        _tls = tls;
        Name = name;
        _target = target;
        _facility = facility;
        _host = host;
        _logger = logger;
        _sender = Task.Run(SendLoopAsync);
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public string Description => $"syslog {Name} {Protocol} {_target}";

    private string Protocol => _tls is null ? "tcp" : "tls";

    /// <inheritdoc/>
    public void Write(RenderedEvent e)
    {
        byte[] message = Rfc5424Formatter.Format(e, _facility, _host, Environment.ProcessId);
        if (!_queue.Writer.TryWrite(Frame(message)))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>RFC 6587 3.4.1: the message's length in octets, in decimal, a space, then the message.</summary>
    internal static byte[] Frame(byte[] message)
    {
        byte[] prefix = Encoding.ASCII.GetBytes(message.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ");
        byte[] framed = new byte[prefix.Length + message.Length];
        prefix.CopyTo(framed, 0);
        message.CopyTo(framed, prefix.Length);
        return framed;
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
    public IEnumerable<KeyValuePair<string, long>> ReadCounters()
    {
        yield return new("sent", Interlocked.Read(ref _sent));
        yield return new("failed", Interlocked.Read(ref _failed));
        yield return new("dropped_buffer_full", Interlocked.Read(ref _dropped));
        yield return new("connects", Interlocked.Read(ref _connects));
        yield return new("buffered", _queue.Reader.Count);
        if (_tls is not null)
        {
            yield return new("tls_refused", Interlocked.Read(ref _tlsRefused));
        }
    }

    /// <summary>Stops after sending what is queued, for at most <paramref name="bound"/>.</summary>
    public void Stop(TimeSpan bound)
    {
        _queue.Writer.TryComplete();
        try
        {
            if (!_sender.Wait(bound))
            {
                _stop.Cancel();
                _sender.Wait(TimeSpan.FromSeconds(1));
            }
        }
        catch (AggregateException)
        {
            // The sender failed in a way it did not expect; it is gone either way, and stopping must not throw.
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(2));
        _stop.Cancel();
        _stop.Dispose();
        _tls?.ClientCertificate?.Dispose();
    }

    private async Task SendLoopAsync()
    {
        CancellationToken token = _stop.Token;
        TimeSpan backoff = TimeSpan.FromSeconds(1);
        byte[]? pending = null;
        Socket? socket = null;
        Stream? stream = null;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (pending is null)
                {
                    if (!await _queue.Reader.WaitToReadAsync(token).ConfigureAwait(false))
                    {
                        return; // stopped, and everything queued was sent
                    }

                    _queue.Reader.TryRead(out pending);
                    if (pending is null)
                    {
                        continue;
                    }
                }

                try
                {
                    if (stream is null)
                    {
                        socket = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                        stream = await ConnectAsync(socket, token).ConfigureAwait(false);
                        Interlocked.Increment(ref _connects);
                    }

                    await stream.WriteAsync(pending, token).ConfigureAwait(false);
                    await stream.FlushAsync(token).ConfigureAwait(false);

                    Interlocked.Increment(ref _sent);
                    pending = null;
                    backoff = TimeSpan.FromSeconds(1);
                }
                catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException or ObjectDisposedException
                    or OperationCanceledException && !token.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _failed);
                    if (ex is AuthenticationException)
                    {
                        Interlocked.Increment(ref _tlsRefused);
                    }

                    await CloseAsync(stream, socket).ConfigureAwait(false);
                    stream = null;
                    socket = null;
                    EventLog.SyslogFailed(_logger, _target.ToString(), Protocol, Reason(ex), backoff.TotalSeconds);
                    await Task.Delay(backoff, token).ConfigureAwait(false);
                    backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            await CloseAsync(stream, socket).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Connects <paramref name="socket"/> and returns the connection's stream: the socket's own, or TLS over it after a
    /// handshake that checked the collector; connecting and the handshake together take at most the connect timeout.
    /// </summary>
    private async Task<Stream> ConnectAsync(Socket socket, CancellationToken token)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(s_connectTimeout);
        await socket.ConnectAsync(_target, timeout.Token).ConfigureAwait(false);
        var plain = new NetworkStream(socket, ownsSocket: false);
        if (_tls is null)
        {
            EventLog.SyslogConnected(_logger, _target.ToString());
            return plain;
        }

        var tls = new SslStream(plain, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(_tls.Options(), timeout.Token).ConfigureAwait(false);
        }
        catch
        {
            await tls.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        EventLog.SyslogTlsConnected(_logger, _target.ToString(), $"{tls.SslProtocol}, {tls.NegotiatedCipherSuite}");
        return tls;
    }

    private static async Task CloseAsync(Stream? stream, Socket? socket)
    {
        if (stream is not null)
        {
            try
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // A TLS close_notify to a peer that is gone: the connection is closed either way.
            }
        }

        socket?.Dispose();
    }

    private static string Reason(Exception ex) => ex switch
    {
        SocketException se => se.SocketErrorCode.ToString(),
        AuthenticationException ae => "TLS refused: " + (ae.InnerException?.Message ?? ae.Message),
        IOException io => io.InnerException is SocketException inner ? inner.SocketErrorCode.ToString() : io.Message,
        _ => "timeout",
    };
}
