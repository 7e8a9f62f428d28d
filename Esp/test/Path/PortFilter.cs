using System.Buffers.Binary;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>
/// A test <see cref="IPacketFilter"/>: refuses IPv4/IPv6 UDP packets to one destination port with a chosen verdict per
/// direction, and counts its calls and the last SPI it saw. Reads the packet in place, allocates nothing.
/// </summary>
internal sealed class PortFilter(ushort inboundPort, PacketVerdict inboundVerdict, ushort outboundPort, PacketVerdict outboundVerdict) : IPacketFilter
{
    private long _inboundCalls;
    private long _outboundCalls;

    public long InboundCalls => Interlocked.Read(ref _inboundCalls);

    public long OutboundCalls => Interlocked.Read(ref _outboundCalls);

    public uint LastInboundSpi { get; private set; }

    public uint LastOutboundSpi { get; private set; }

    public PacketVerdict Inbound(uint spi, PacketBuffer packet)
    {
        Interlocked.Increment(ref _inboundCalls);
        LastInboundSpi = spi;
        return UdpDestinationPort(packet.Packet) == inboundPort ? inboundVerdict : PacketVerdict.Pass;
    }

    public PacketVerdict Outbound(uint spi, PacketBuffer packet)
    {
        Interlocked.Increment(ref _outboundCalls);
        LastOutboundSpi = spi;
        return UdpDestinationPort(packet.Packet) == outboundPort ? outboundVerdict : PacketVerdict.Pass;
    }

    private static int UdpDestinationPort(ReadOnlySpan<byte> packet)
    {
        int header = packet[0] >> 4 == 4 ? (packet[0] & 0x0F) * 4 : 40;
        byte protocol = packet[0] >> 4 == 4 ? packet[9] : packet[6];
        return protocol == 17 && packet.Length >= header + 8 ? BinaryPrimitives.ReadUInt16BigEndian(packet[(header + 2)..]) : -1;
    }
}
