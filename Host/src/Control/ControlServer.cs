using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text.Json;
using IpsecFw.Host.Daemon;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Control;

/// <summary>
/// The control socket: a Unix stream socket whose directory is created with mode 0700 and whose file gets mode 0600;
/// each connecting peer's uid is checked with SO_PEERCRED (root or the daemon's own uid). Each client is read through a
/// <see cref="PipeReader"/> over its stream; frames (<see cref="ControlFraming"/>) are answered in order. A frame that
/// is empty, too large or not a JSON request gets an error response and the connection is closed; a client that goes
/// away mid-frame or stays silent past <see cref="IdleTimeout"/> is closed. At most <c>maxClients</c> are served at
/// once; one more is told so and closed. Nothing a client sends can stop the server.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly string _path;
    private readonly IControlHandler _handler;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly int _maxClients;
    private readonly uint? _ownUid = PeerCredentials.EffectiveUid();
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _clients = [];
    private readonly Lock _clientsLock = new();
    private Socket? _listener;
    private Task? _acceptLoop;

    /// <summary>A server for <paramref name="socketPath"/>; nothing happens until <see cref="Start"/>.</summary>
    public ControlServer(string socketPath, int maxClients, IControlHandler handler, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxClients, 1);
        _path = socketPath;
        _handler = handler;
        _logger = logger;
        _maxClients = maxClients;
        _slots = new SemaphoreSlim(maxClients, maxClients);
    }

    /// <summary>The listen backlog.</summary>
    public const int Backlog = 128;

    /// <summary>How long a client may stay silent (or take to finish a frame) before it is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The socket's path.</summary>
    public string SocketPath => _path;

    /// <summary>Binds the socket and starts accepting.</summary>
    /// <exception cref="IOException">The socket cannot be created, or another daemon is listening on it.</exception>
    public void Start()
    {
        string directory = Path.GetDirectoryName(_path) ?? "/";
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        else if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(directory) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            HostLog.SocketDirectoryShared(_logger, directory);
        }

        RemoveStaleSocket();
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(_path));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            // A generous backlog: clients beyond the limit are accepted and told "busy" instead of failing to connect.
            listener.Listen(Backlog);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new IOException($"cannot listen on the control socket '{_path}': {e.Message}", e);
        }

        _listener = listener;
        _acceptLoop = AcceptLoopAsync(listener, _stopping.Token);
        HostLog.ControlListening(_logger, _path);
    }

    /// <summary>Stops accepting, closes every client and removes the socket file.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        Task[] clients;
        lock (_clientsLock)
        {
            clients = [.. _clients];
        }

        await Task.WhenAll(clients).ConfigureAwait(false);
        if (_listener is not null)
        {
            TryDelete(_path);
        }

        _stopping.Dispose();
        _slots.Dispose();
    }

    private void RemoveStaleSocket()
    {
        if (!File.Exists(_path))
        {
            return;
        }

        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(_path));
        }
        catch (SocketException)
        {
            // Nobody listens: a socket left behind by a daemon that did not stop cleanly.
            File.Delete(_path);
            return;
        }

        throw new IOException($"another daemon is already listening on the control socket '{_path}'");
    }

    private async Task AcceptLoopAsync(Socket listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                HostLog.AcceptFailed(_logger, e.SocketErrorCode.ToString());
                continue;
            }

            Task task = ServeAsync(client, stopping);
            lock (_clientsLock)
            {
                _clients.RemoveAll(t => t.IsCompleted);
                _clients.Add(task);
            }
        }
    }

    private async Task ServeAsync(Socket socket, CancellationToken stopping)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        await using (stream.ConfigureAwait(false))
        {
            bool slot;
            try
            {
                slot = await _slots.WaitAsync(0, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // a client accepted just as the server stops
            }

            if (!slot)
            {
                HostLog.ClientRefused(_logger, "too many clients");
                await TryWriteAsync(stream, ControlResponse.Failure($"busy: {_maxClients} clients are connected; try again"), stopping).ConfigureAwait(false);
                return;
            }

            try
            {
                uint? uid = PeerCredentials.TryGetUid(socket);
                if (uid is { } u && u != 0 && u != _ownUid)
                {
                    HostLog.ClientRefused(_logger, $"uid {u} is neither root nor the daemon's user");
                    await TryWriteAsync(stream, ControlResponse.Failure("permission denied: the control socket is for root only"), stopping).ConfigureAwait(false);
                    return;
                }

                await ServeFramesAsync(stream, stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                HostLog.ClientClosed(_logger, e.Message);
            }
            catch (OperationCanceledException)
            {
                // Stopping, or the client was idle too long.
            }
            finally
            {
                _slots.Release();
            }
        }
    }

    private async Task ServeFramesAsync(NetworkStream stream, CancellationToken stopping)
    {
        PipeReader reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            while (true)
            {
                ReadResult result;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(stopping))
                {
                    idle.CancelAfter(IdleTimeout);
                    result = await reader.ReadAsync(idle.Token).ConfigureAwait(false);
                }

                ReadOnlySequence<byte> buffer = result.Buffer;
                string? error = null;
                while (ControlFraming.TryReadFrame(ref buffer, out ReadOnlySequence<byte> payload, out error))
                {
                    ControlRequest? request = ParseRequest(payload, out string? parseError);
                    if (request is null)
                    {
                        error = parseError;
                        break;
                    }

                    ControlResponse response = await HandleSafelyAsync(request, stopping).ConfigureAwait(false);
                    await WriteAsync(stream, response, stopping).ConfigureAwait(false);
                }

                if (error is not null)
                {
                    HostLog.MalformedFrame(_logger, error);
                    await TryWriteAsync(stream, ControlResponse.Failure("malformed request: " + error), stopping).ConfigureAwait(false);
                    return;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    // The client closed; bytes of an unfinished frame, if any, are dropped.
                    return;
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static ControlRequest? ParseRequest(ReadOnlySequence<byte> payload, out string? error)
    {
        error = null;
        try
        {
            var reader = new Utf8JsonReader(payload);
            ControlRequest? request = JsonSerializer.Deserialize(ref reader, ControlJsonContext.Default.ControlRequest);
            if (request?.Command is null)
            {
                error = "the request has no \"command\"";
                return null;
            }

            return request;
        }
        catch (JsonException)
        {
            error = "the frame is not a JSON request object";
            return null;
        }
    }

    private async ValueTask<ControlResponse> HandleSafelyAsync(ControlRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await _handler.HandleAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            HostLog.HandlerFailed(_logger, request.Command ?? "?", e);
            return ControlResponse.Failure($"'{request.Command}' failed inside the daemon: {e.Message}");
        }
    }

    private static async Task WriteAsync(Stream stream, ControlResponse response, CancellationToken cancellationToken)
    {
        // Serialized straight into a pooled frame: no array per answer (PooledFrameBuffer says why that matters).
        using var frame = new PooledFrameBuffer();
        Serialize(frame, response);
        if (frame.PayloadLength > ControlFraming.MaxFrameLength)
        {
            frame.Clear();
            Serialize(frame, ControlResponse.Failure("the answer is larger than a frame may be"));
        }

        await stream.WriteAsync(frame.Frame, cancellationToken).ConfigureAwait(false);
    }

    private static void Serialize(PooledFrameBuffer frame, ControlResponse response)
    {
        using var writer = new Utf8JsonWriter(frame, new JsonWriterOptions
        {
            Encoder = ControlJsonContext.Default.Options.Encoder,
            Indented = ControlJsonContext.Default.Options.WriteIndented,
            MaxDepth = ControlJsonContext.Default.Options.MaxDepth,
        });
        JsonSerializer.Serialize(writer, response, ControlJsonContext.Default.ControlResponse);
    }

    private static async Task TryWriteAsync(Stream stream, ControlResponse response, CancellationToken cancellationToken)
    {
        try
        {
            await WriteAsync(stream, response, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client is gone already; it was being closed anyway.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind; the next start removes a stale socket.
        }
    }
}
