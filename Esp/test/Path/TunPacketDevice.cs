using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;
using IpsecFw.Tun;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>Passes a TUN device to the data-path loops (Esp cannot see ITunDevice: Tun depends on Esp).</summary>
internal sealed class TunPacketDevice(ITunDevice tun) : IPacketDevice
{
    public int Read(Span<PacketBuffer> bufs, int offset) => tun.Read(bufs, offset);

    public int Write(ReadOnlySpan<PacketBuffer> bufs) => tun.Write(bufs);

    public void Dispose() => tun.Dispose();
}
