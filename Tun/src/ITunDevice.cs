using IpsecFw.Esp.Buffers;

namespace IpsecFw.Tun;

/// <summary>
/// One queue of a TUN device: batches of IP packets (no link-layer header, no packet-information prefix) read into and
/// written from pooled <see cref="PacketBuffer"/>s. This is wireguard-go's <c>tun.Device</c> contract.
/// </summary>
/// <remarks>
/// <para><see cref="Name"/>, <see cref="Mtu"/> and <see cref="BatchSize"/> never change after creation.</para>
/// <para>Concurrency: one thread may be in <see cref="Read"/> at a time (a single reader per queue); <see cref="Write"/>
/// may be called from another thread at the same time. <see cref="IDisposable.Dispose"/> may be called from any thread and
/// makes a blocked <see cref="Read"/> return 0.</para>
/// <para>Neither method throws on the packet path: errors are counted and the packet is dropped.</para>
/// </remarks>
public interface ITunDevice : IDisposable
{
    /// <summary>The interface name, as the kernel (or Wintun) assigned it.</summary>
    string Name { get; }

    /// <summary>The interface MTU: the largest IP packet that <see cref="Read"/> returns.</summary>
    int Mtu { get; }

    /// <summary>The largest number of packets one <see cref="Read"/> can return; size batches to it.</summary>
    int BatchSize { get; }

    /// <summary>
    /// Blocks until at least one packet is available, then reads up to <c>bufs.Length</c> packets (at most
    /// <see cref="BatchSize"/> are useful) without blocking again. Packet <c>i</c> is placed in <c>bufs[i].Bytes</c> at
    /// <paramref name="offset"/>, leaving <see cref="PacketBuffer.Tailroom"/> free behind it; <c>Offset</c> and
    /// <c>Length</c> are set.
    /// </summary>
    /// <param name="bufs">Buffers to fill, from the start.</param>
    /// <param name="offset">Where each packet starts in its buffer, normally <see cref="PacketBuffer.Headroom"/>.</param>
    /// <returns>The number of packets read; 0 once the device is disposed or has failed.</returns>
    int Read(Span<PacketBuffer> bufs, int offset);

    /// <summary>Writes each buffer's <see cref="PacketBuffer.Packet"/> as one IP packet. Packets that fail are dropped and counted.</summary>
    /// <returns>The number of packets the device accepted.</returns>
    int Write(ReadOnlySpan<PacketBuffer> bufs);
}
