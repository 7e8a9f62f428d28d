using IpsecFw.Esp.Buffers;

namespace IpsecFw.Esp.DataPath;

/// <summary>
/// The inner side of the data path: one queue of a TUN device, reading and writing batches of IP packets in pooled
/// <see cref="PacketBuffer"/>s. It has exactly the shape of <c>IpsecFw.Tun.ITunDevice</c>, declared here because Tun
/// depends on Esp (for <see cref="PacketBuffer"/>) and not the other way round; a TUN device is passed in through a
/// one-line adapter (or by letting <c>ITunDevice</c> extend this interface).
/// </summary>
/// <remarks>
/// One thread may be in <see cref="Read"/> at a time; <see cref="Write"/> may run on another thread at the same time.
/// <see cref="IDisposable.Dispose"/> makes a blocked <see cref="Read"/> return 0. Neither method throws on the packet path.
/// </remarks>
public interface IPacketDevice : IDisposable
{
    /// <summary>
    /// Blocks until at least one packet is available, then reads up to <c>bufs.Length</c> packets, each placed at
    /// <paramref name="offset"/> in its buffer with <c>Offset</c> and <c>Length</c> set.
    /// </summary>
    /// <returns>The number of packets read; 0 once the device is disposed or has failed.</returns>
    int Read(Span<PacketBuffer> bufs, int offset);

    /// <summary>
    /// Writes each buffer's <see cref="PacketBuffer.Packet"/> as one IP packet. The buffers stay the caller's: the
    /// device has finished with them when the call returns.
    /// </summary>
    /// <returns>The number of packets the device accepted; the rest were dropped.</returns>
    int Write(ReadOnlySpan<PacketBuffer> bufs);
}
