using System.Buffers.Binary;
using System.Net;
using IpsecFw.Esp.Packet;

namespace IpsecFw.Esp.Tests.Packet;

/// <summary>Builds small, valid IPv4 and IPv6 packets for the tests.</summary>
internal static class TestPackets
{
    public static readonly IPAddress V4A = IPAddress.Parse("198.18.0.1");
    public static readonly IPAddress V4B = IPAddress.Parse("198.18.0.2");
    public static readonly IPAddress V4InnerA = IPAddress.Parse("198.19.1.1");
    public static readonly IPAddress V4InnerB = IPAddress.Parse("198.19.2.1");
    public static readonly IPAddress V6A = IPAddress.Parse("2001:2::1");
    public static readonly IPAddress V6B = IPAddress.Parse("2001:2::2");

    /// <summary>An IPv4 UDP packet with a payload of <paramref name="payloadLength"/> bytes (pattern i * 7).</summary>
    public static byte[] Udp4(IPAddress src, IPAddress dst, int payloadLength, byte tos = 0)
    {
        var p = new byte[20 + 8 + payloadLength];
        p[0] = 0x45;
        p[1] = tos;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), 0x1234);
        p[8] = 64;
        p[9] = IpProtocol.Udp;
        src.TryWriteBytes(p.AsSpan(12, 4), out _);
        dst.TryWriteBytes(p.AsSpan(16, 4), out _);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), InternetChecksum.Compute(p.AsSpan(0, 20)));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(20), 5000);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(22), 6000);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(24), (ushort)(8 + payloadLength));
        for (int i = 0; i < payloadLength; i++)
        {
            p[28 + i] = (byte)(i * 7);
        }

        p[26] = 1;   // non-zero, so the checksum is computed rather than "none"
        TransportChecksum.Recompute(p, 20, ipv6: false, IpProtocol.Udp);
        return p;
    }

    /// <summary>An IPv6 UDP packet, optionally behind a Hop-by-Hop options header.</summary>
    public static byte[] Udp6(IPAddress src, IPAddress dst, int payloadLength, bool hopByHop = false)
    {
        int ext = hopByHop ? 8 : 0;
        var p = new byte[40 + ext + 8 + payloadLength];
        BinaryPrimitives.WriteUInt32BigEndian(p, 0x6000_0000u | (0x2Eu << 20));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(p.Length - 40));
        p[6] = hopByHop ? IpProtocol.HopByHop : IpProtocol.Udp;
        p[7] = 64;
        src.TryWriteBytes(p.AsSpan(8, 16), out _);
        dst.TryWriteBytes(p.AsSpan(24, 16), out _);
        if (hopByHop)
        {
            p[40] = IpProtocol.Udp;
            p[41] = 0;            // 8 bytes
            p[42] = 1;            // PadN option covering the rest
            p[43] = 4;
        }

        int u = 40 + ext;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(u), 5000);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(u + 2), 6000);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(u + 4), (ushort)(8 + payloadLength));
        for (int i = 0; i < payloadLength; i++)
        {
            p[u + 8 + i] = (byte)(i * 13);
        }

        if (!hopByHop)
        {
            TransportChecksum.Recompute(p, u, ipv6: true, IpProtocol.Udp);
        }

        return p;
    }
}
