using System.Buffers.Binary;
using System.Net;

namespace IpsecFw.Spd.Tests.Packets;

/// <summary>Builds IPv4 and IPv6 packets for tests (headers only as far as the SPD reads them; checksums left zero).</summary>
internal static class TestPackets
{
    public static byte[] Tcp(string source, string destination, ushort sourcePort, ushort destinationPort, byte flags, int payload = 0) =>
        Ip(source, destination, 6, TcpHeader(sourcePort, destinationPort, flags, payload));

    public static byte[] Udp(string source, string destination, ushort sourcePort, ushort destinationPort, int payload = 0)
    {
        byte[] l4 = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), (ushort)l4.Length);
        for (int i = 8; i < l4.Length; i++)
        {
            l4[i] = (byte)i;
        }

        return Ip(source, destination, 17, l4);
    }

    public static byte[] Icmp(string source, string destination, byte type, byte code = 0, ushort id = 0x1234)
    {
        bool v6 = IPAddress.Parse(source).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        byte[] l4 = new byte[8];
        l4[0] = type;
        l4[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), id);
        return Ip(source, destination, v6 ? (byte)58 : (byte)1, l4);
    }

    public static byte[] TcpHeader(ushort sourcePort, ushort destinationPort, byte flags, int payload = 0)
    {
        byte[] l4 = new byte[20 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(l4, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), destinationPort);
        l4[12] = 5 << 4;
        l4[13] = flags;
        for (int i = 20; i < l4.Length; i++)
        {
            l4[i] = (byte)(i * 7);
        }

        return l4;
    }

    /// <summary>An IPv4 or IPv6 packet around <paramref name="l4"/>, with optional IPv6 extension headers before it.</summary>
    public static byte[] Ip(string source, string destination, byte protocol, byte[] l4, ushort id = 0x4242, ushort flagsAndOffset = 0)
    {
        IPAddress s = IPAddress.Parse(source), d = IPAddress.Parse(destination);
        if (s.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            byte[] p = new byte[20 + l4.Length];
            p[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), id);
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), flagsAndOffset);
            p[8] = 64;
            p[9] = protocol;
            s.TryWriteBytes(p.AsSpan(12), out _);
            d.TryWriteBytes(p.AsSpan(16), out _);
            l4.CopyTo(p, 20);
            return p;
        }

        byte[] q = new byte[40 + l4.Length];
        q[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(q.AsSpan(4), (ushort)l4.Length);
        q[6] = protocol;
        q[7] = 64;
        s.TryWriteBytes(q.AsSpan(8), out _);
        d.TryWriteBytes(q.AsSpan(24), out _);
        l4.CopyTo(q, 40);
        return q;
    }

    /// <summary>IPv6 with extension headers: each (type, length in bytes, multiple of 8) in order, then the upper layer.</summary>
    public static byte[] Ip6WithExtensions(string source, string destination, (byte Type, int Length)[] extensions, byte protocol, byte[] l4)
    {
        int extLength = extensions.Sum(e => e.Length);
        byte[] body = new byte[extLength + l4.Length];
        int o = 0;
        for (int i = 0; i < extensions.Length; i++)
        {
            body[o] = i + 1 < extensions.Length ? extensions[i + 1].Type : protocol;
            body[o + 1] = extensions[i].Type == 51 ? (byte)((extensions[i].Length / 4) - 2) : (byte)((extensions[i].Length / 8) - 1);
            o += extensions[i].Length;
        }

        l4.CopyTo(body, o);
        byte[] packet = Ip(source, destination, extensions.Length > 0 ? extensions[0].Type : protocol, body);
        return packet;
    }

    /// <summary>Cuts an IPv4 packet's payload into fragments at the given byte offsets (multiples of 8), all with the same id.</summary>
    public static byte[] Fragment4(byte[] whole, int start, int length, bool more, ushort id = 0x4242)
    {
        byte[] l4 = whole.AsSpan(20 + start, length).ToArray();
        string s = new IPAddress(whole.AsSpan(12, 4)).ToString(), d = new IPAddress(whole.AsSpan(16, 4)).ToString();
        return Ip(s, d, whole[9], l4, id, (ushort)((more ? 0x2000 : 0) | (start / 8)));
    }

    /// <summary>An IPv6 fragment of the upper-layer part of <paramref name="whole"/> (a packet without extension headers).</summary>
    public static byte[] Fragment6(byte[] whole, int start, int length, bool more, uint id = 0x01020304)
    {
        byte[] data = whole.AsSpan(40 + start, length).ToArray();
        byte[] body = new byte[8 + data.Length];
        body[0] = whole[6];
        BinaryPrimitives.WriteUInt16BigEndian(body.AsSpan(2), (ushort)(start | (more ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(4), id);
        data.CopyTo(body, 8);
        string s = new IPAddress(whole.AsSpan(8, 16)).ToString(), d = new IPAddress(whole.AsSpan(24, 16)).ToString();
        return Ip(s, d, 44, body);
    }
}
