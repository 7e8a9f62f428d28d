namespace IpsecFw.Host.Platform;

/// <summary>
/// Finds the local program behind a flow's socket, for the policy's <c>process "..."</c> rules. Called by the data path
/// only for the first packet of a new flow that a <c>process</c> rule (or a dedicated CHILD_SA) makes relevant, never
/// for the packets of an established flow.
/// </summary>
/// <remarks>Must be safe for concurrent use (the inbound and outbound loops both call it) and must never throw.</remarks>
public interface ISocketOwnerResolver
{
    /// <summary>
    /// The owner of the local socket of a TCP or UDP flow (addresses as 128-bit values, IPv4 as <c>::ffff:a.b.c.d</c>;
    /// ports in host order). For a flow that does not exist yet on this host (an inbound TCP SYN, a first UDP
    /// datagram), the socket that would take it: the listening or bound one.
    /// </summary>
    SocketOwner Resolve(byte protocol, UInt128 local, ushort localPort, UInt128 remote, ushort remotePort);
}
