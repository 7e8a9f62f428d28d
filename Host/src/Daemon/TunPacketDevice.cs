using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;
using IpsecFw.Tun;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The one-line adapter from a TUN device to the data path's <see cref="IPacketDevice"/> (Tun depends on Esp, not the
/// other way round). Same concurrency contract as the device: one reader thread, writes from another.
/// </summary>
internal sealed class TunPacketDevice(ITunDevice tun) : IPacketDevice
{
    public int Read(Span<PacketBuffer> bufs, int offset) => tun.Read(bufs, offset);

    public int Write(ReadOnlySpan<PacketBuffer> bufs) => tun.Write(bufs);

    public void Dispose() => tun.Dispose();
}
