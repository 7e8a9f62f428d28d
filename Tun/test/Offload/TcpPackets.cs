using System.Buffers.Binary;
using System.Net;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Tun.Tests.Offload;

/// <summary>Hand-built TCP segments and the super-packets the kernel hands to a TUN queue with TSO.</summary>
internal static class TcpPackets
{
    public static readonly IPAddress Source4 = IPAddress.Parse("198.18.7.1");
    public static readonly IPAddress Destination4 = IPAddress.Parse("198.18.7.2");
    public static readonly IPAddress Source6 = IPAddress.Parse("2001:2::7:1");
    public static readonly IPAddress Destination6 = IPAddress.Parse("2001:2::7:2");

    public static byte[] Payload(int length, int seed = 1)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>A TCP segment with ACK (and <paramref name="extraFlags"/>) and a valid checksum.</summary>
    public static byte[] Segment(bool v6, uint sequence, ReadOnlySpan<byte> payload, byte extraFlags = 0, uint ack = 5000, ushort id = 0x1234)
    {
        byte[] packet = PacketBuilder.Tcp(v6 ? Source6 : Source4, v6 ? Destination6 : Destination4, 40000, 5201,
            (byte)(PacketBuilder.TcpAck | extraFlags), payload, sequence, ack);
        if (!v6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), id);
            packet[10] = 0;
            packet[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), (ushort)~ReferenceChecksum.Fold(ReferenceChecksum.Sum(packet.AsSpan(0, 20))));
        }

        return packet;
    }

    /// <summary>
    /// What TSO hands over: one packet with all the payload, IP lengths for the whole, and the TCP checksum field holding
    /// only the folded pseudo-header sum (CHECKSUM_PARTIAL).
    /// </summary>
    public static byte[] SuperPacket(bool v6, uint sequence, ReadOnlySpan<byte> payload, byte extraFlags = 0)
    {
        byte[] packet = Segment(v6, sequence, payload, extraFlags);
        int ip = v6 ? 40 : 20;
        int partial = ReferenceChecksum.Fold(ReferenceChecksum.PseudoHeader(packet, packet.Length - ip));
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(ip + 16), (ushort)partial);
        return packet;
    }
}
