using System.Net;

namespace IpsecFw.Esp.Transport;

/// <summary>
/// Where the inbound loop hands IKE messages that arrive on the shared NAT-T port (behind the non-ESP marker, RFC 3948
/// 2.2). The IKE side is the control plane: an implementation copies what it keeps (one allocation per IKE message is
/// fine there) and must not block.
/// </summary>
/// <remarks>Called on the inbound packet thread only.</remarks>
public interface IIkeDatagramSink
{
    /// <summary>
    /// Takes one IKE message (the marker already removed) and its source address; both spans and the address are only
    /// valid during the call. Returns false when the sink is full: the caller drops and counts the message.
    /// </summary>
    bool TryDeliver(ReadOnlySpan<byte> message, SocketAddress remote);
}
