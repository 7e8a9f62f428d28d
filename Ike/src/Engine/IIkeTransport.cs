using System.Net;

namespace IpsecFw.Ike.Engine;

/// <summary>Where the engine's datagrams leave: UDP/500, and UDP/4500 with the non-ESP marker (RFC 3948 2.2).</summary>
public interface IIkeTransport
{
    /// <summary>Sends one IKE message from <paramref name="local"/> to <paramref name="remote"/>; failures are counted, not thrown.</summary>
    void Send(ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote);
}
