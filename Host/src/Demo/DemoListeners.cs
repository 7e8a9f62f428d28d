using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using IpsecFw.Tun;

namespace IpsecFw.Host.Demo;

/// <summary>
/// The servers the connections are tried against: for each host and service a socket bound to every address of the
/// host's namespace (opened there with <see cref="NetworkNamespace.Run{T}"/>, served from this process). A TCP server
/// reads one line and answers <c>250 HOST SERVICE</c>; a UDP server answers each datagram with <c>HOST SERVICE</c>, so
/// a client knows it reached that host's service and not something else. Bounded: a client gets 2 s and 256 bytes.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class DemoListeners : IDisposable
{
    private static readonly TimeSpan s_clientBound = TimeSpan.FromSeconds(2);
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();

    /// <summary>The answer a server of <paramref name="service"/> on <paramref name="host"/> gives.</summary>
    public static string Answer(DemoHost host, DemoService service) => $"{host.Key} {service.Name}";

    /// <summary>Opens and serves every (host, service) of <paramref name="services"/>.</summary>
    public static DemoListeners Start(DemoNetwork network, IEnumerable<(DemoHost Host, DemoService Service)> services)
    {
        var listeners = new DemoListeners();
        try
        {
            foreach ((DemoHost host, DemoService service) in services.Distinct())
            {
                listeners.Open(network.NamespaceOf(host), host, service);
            }

            return listeners;
        }
        catch (Exception e) when (e is SocketException or TunException)
        {
            listeners.Dispose();
            throw new DemoException($"cannot open the demonstration's servers: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _stop.Cancel();
        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }

        try
        {
            Task.WaitAll([.. _loops], TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // The loops end by the sockets' disposal; their exceptions are expected here.
        }

        _stop.Dispose();
    }

    private void Open(string ns, DemoHost host, DemoService service)
    {
        Socket socket = NetworkNamespace.Run(ns, () =>
        {
            var s = service.Udp
                ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
                : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                s.Bind(new IPEndPoint(IPAddress.Any, service.Port));
                if (!service.Udp)
                {
                    s.Listen(16);
                }

                return s;
            }
            catch
            {
                s.Dispose();
                throw;
            }
        });
        _sockets.Add(socket);
        byte[] answer = Encoding.ASCII.GetBytes(Answer(host, service));
        _loops.Add(service.Udp ? ServeUdpAsync(socket, answer, _stop.Token) : ServeTcpAsync(socket, answer, _stop.Token));
    }

    private static async Task ServeUdpAsync(Socket socket, byte[] answer, CancellationToken stop)
    {
        byte[] buffer = new byte[256];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                SocketReceiveFromResult r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, stop).ConfigureAwait(false);
                await socket.SendToAsync(answer, SocketFlags.None, r.RemoteEndPoint, stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // An ICMP error for an earlier answer; keep serving.
            }
        }
    }

    private static async Task ServeTcpAsync(Socket listener, byte[] answer, CancellationToken stop)
    {
        byte[] reply = [.. "250 "u8, .. answer, .. "\r\n"u8];
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeClientAsync(client, reply, stop);
        }
    }

    private static async Task ServeClientAsync(Socket client, byte[] reply, CancellationToken stop)
    {
        using (client)
        {
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(stop);
            bound.CancelAfter(s_clientBound);
            byte[] buffer = new byte[256];
            try
            {
                int n = await client.ReceiveAsync(buffer, SocketFlags.None, bound.Token).ConfigureAwait(false);
                if (n > 0)
                {
                    await client.SendAsync(reply, SocketFlags.None, bound.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // A client that went away or said nothing in time.
            }
        }
    }
}
