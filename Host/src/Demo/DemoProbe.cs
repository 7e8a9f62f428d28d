using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using IpsecFw.Tun;

namespace IpsecFw.Host.Demo;

/// <summary>
/// Tries one <see cref="DemoConnection"/> with real traffic from a socket opened inside the initiator's namespace and
/// bound to its address: TCP connects, sends a line and must read the server's answer; UDP sends a datagram and must
/// get the answer. Allowed means the expected server answered within the bound; anything else (no answer, a reset, an
/// ICMP error) is denied, with what was seen.
/// </summary>
[SupportedOSPlatform("linux")]
internal static class DemoProbe
{
    /// <summary>Tries <paramref name="connection"/> within <paramref name="bound"/>.</summary>
    public static async Task<DemoObservation> TryAsync(DemoNetwork network, DemoConnection connection, TimeSpan bound, CancellationToken cancellationToken)
    {
        string expected = DemoListeners.Answer(connection.To, connection.Service);
        var destination = new IPEndPoint(connection.Destination, connection.Service.Port);
        using Socket socket = NetworkNamespace.Run(network.NamespaceOf(connection.From), () =>
        {
            var s = connection.Service.Udp
                ? new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)
                : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                s.Bind(new IPEndPoint(connection.Source, 0));
                return s;
            }
            catch
            {
                s.Dispose();
                throw;
            }
        });
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(bound);
        byte[] buffer = new byte[256];
        try
        {
            string answer;
            if (connection.Service.Udp)
            {
                await socket.SendToAsync(Encoding.ASCII.GetBytes("ipsecfw demo\n"), SocketFlags.None, destination, timeout.Token).ConfigureAwait(false);
                SocketReceiveFromResult r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, destination, timeout.Token).ConfigureAwait(false);
                answer = Encoding.ASCII.GetString(buffer, 0, r.ReceivedBytes);
            }
            else
            {
                await socket.ConnectAsync(destination, timeout.Token).ConfigureAwait(false);
                await socket.SendAsync(Encoding.ASCII.GetBytes("HELO demo.example.com\r\n"), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                int n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
                answer = Encoding.ASCII.GetString(buffer, 0, n);
                answer = answer.StartsWith("250 ", StringComparison.Ordinal) ? answer[4..] : answer;
            }

            return answer.TrimEnd() == expected
                ? new DemoObservation(DemoVerdict.Allowed, "answered")
                : new DemoObservation(DemoVerdict.Denied, $"unexpected answer '{answer.TrimEnd()}'");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DemoObservation(DemoVerdict.Denied, $"no answer in {bound.TotalSeconds:0.#} s");
        }
        catch (SocketException e)
        {
            return new DemoObservation(DemoVerdict.Denied, e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "refused",
                SocketError.ConnectionReset => "reset",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable (ICMP)",
                _ => e.SocketErrorCode.ToString(),
            });
        }
    }
}
