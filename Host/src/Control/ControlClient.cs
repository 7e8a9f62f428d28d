using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text.Json;

namespace IpsecFw.Host.Control;

/// <summary>The CLI's side of the control socket: one request, one response, within a time bound.</summary>
public static class ControlClient
{
    /// <summary>Sends <paramref name="request"/> to the daemon at <paramref name="socketPath"/> and returns its answer.</summary>
    /// <exception cref="ControlUnreachableException">No daemon answers on that socket (absent, refused, permission, timeout).</exception>
    /// <exception cref="ControlProtocolException">The daemon's answer is not a valid frame or response.</exception>
    public static async Task<ControlResponse> SendAsync(string socketPath, ControlRequest request, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cts.Token).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new ControlUnreachableException(!File.Exists(socketPath)
                ? $"no daemon is running: the control socket '{socketPath}' does not exist"
                : e.SocketErrorCode switch
                {
                    SocketError.AccessDenied => $"permission denied on the control socket '{socketPath}' (run as root)",
                    SocketError.ConnectionRefused => $"no daemon is listening on the control socket '{socketPath}'",
                    SocketError.TryAgain or SocketError.WouldBlock => $"the daemon is too busy to accept a connection on '{socketPath}'; try again",
                    _ => $"cannot connect to the control socket '{socketPath}': {e.Message}",
                }, e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ControlUnreachableException($"the daemon did not accept a connection on '{socketPath}' within {timeout.TotalSeconds:0} s", e);
        }

        var stream = new NetworkStream(socket, ownsSocket: false);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                byte[] json = JsonSerializer.SerializeToUtf8Bytes(request, ControlJsonContext.Default.ControlRequest);
                IOException? writeFailure = null;
                try
                {
                    await stream.WriteAsync(ControlFraming.Encode(json), cts.Token).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    // A daemon over its client limit answers "busy" and closes without reading the request: the write
                    // then fails (EPIPE), but the answer is already in our receive buffer. Read it before giving up.
                    writeFailure = e;
                }

                byte[] header = new byte[ControlFraming.HeaderLength];
                try
                {
                    await stream.ReadExactlyAsync(header, cts.Token).ConfigureAwait(false);
                }
                catch (IOException) when (writeFailure is not null)
                {
                    throw new ControlProtocolException("the connection to the daemon failed: " + writeFailure.Message, writeFailure);
                }

                uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
                if (length is 0 or > ControlFraming.MaxFrameLength)
                {
                    throw new ControlProtocolException($"the daemon sent a frame of {length} bytes");
                }

                byte[] payload = new byte[length];
                await stream.ReadExactlyAsync(payload, cts.Token).ConfigureAwait(false);
                return JsonSerializer.Deserialize(payload, ControlJsonContext.Default.ControlResponse)
                    ?? throw new ControlProtocolException("the daemon answered null");
            }
            catch (JsonException e)
            {
                throw new ControlProtocolException("the daemon's answer is not valid JSON: " + e.Message, e);
            }
            catch (EndOfStreamException e)
            {
                throw new ControlProtocolException("the daemon closed the connection before answering", e);
            }
            catch (IOException e)
            {
                throw new ControlProtocolException("the connection to the daemon failed: " + e.Message, e);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new ControlUnreachableException($"the daemon did not answer within {timeout.TotalSeconds:0} s", e);
            }
        }
    }
}
