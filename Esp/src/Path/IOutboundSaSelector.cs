using System.Net;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.DataPath;

/// <summary>
/// Chooses the outbound SA for an inner packet by its destination. A stand-in for the outbound SPD: the SPD decision
/// (discard, bypass, protect) and the acquire of a missing SA come later.
/// </summary>
/// <remarks>Called on the outbound packet thread for every packet: must not allocate or block.</remarks>
public interface IOutboundSaSelector
{
    /// <summary>
    /// The SA that protects packets to <paramref name="destination"/> (4 or 16 address bytes) and the peer's UDP
    /// address to send them to; null when there is none (the packet is dropped and counted as <c>no_sa</c>).
    /// </summary>
    EspSa? Select(ReadOnlySpan<byte> destination, out SocketAddress? remote);
}
