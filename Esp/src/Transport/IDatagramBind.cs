using System.Net;
using IpsecFw.Esp.Buffers;

namespace IpsecFw.Esp.Transport;

/// <summary>
/// The outer side of the data path: batches of UDP datagrams (ESP in UDP, IKE behind the non-ESP marker, NAT-keepalives,
/// RFC 3948) received into and sent from pooled <see cref="PacketBuffer"/>s, with the remote endpoint of each datagram.
/// This is wireguard-go's <c>conn.Bind</c> contract, reduced to one socket.
/// </summary>
/// <remarks>
/// <para>Concurrency: one thread may be in <see cref="Receive"/> at a time; <see cref="Send"/> may be called from other
/// threads at the same time. <see cref="IDisposable.Dispose"/> may be called from any thread and makes a blocked
/// <see cref="Receive"/> return 0.</para>
/// <para>Neither method throws on the packet path: datagrams that fail are dropped and counted.</para>
/// </remarks>
public interface IDatagramBind : IDisposable
{
    /// <summary>The largest number of datagrams one <see cref="Receive"/> returns; size batches to it.</summary>
    int BatchSize { get; }

    /// <summary>
    /// Blocks until at least one datagram is available, then receives up to <c>bufs.Length</c> datagrams without blocking
    /// again. Datagram <c>i</c> is placed in <c>bufs[i].Bytes</c> at <see cref="PacketBuffer.Headroom"/> (its
    /// <c>Offset</c> and <c>Length</c> are set), and its source address is written into <c>remotes[i]</c>, which the
    /// caller allocates once (sized for IPv6) and reuses.
    /// </summary>
    /// <returns>The number of datagrams received; 0 once the bind is disposed.</returns>
    int Receive(Span<PacketBuffer> bufs, Span<SocketAddress> remotes);

    /// <summary>Sends each buffer's <see cref="PacketBuffer.Packet"/> as one datagram to <paramref name="remote"/>.</summary>
    /// <returns>The number of datagrams sent; the rest were dropped and counted.</returns>
    int Send(ReadOnlySpan<PacketBuffer> bufs, SocketAddress remote);
}
