using System.Buffers.Binary;

namespace IpsecFw.Host.Platform;

/// <summary>Netlink's own fields (<c>nlmsghdr</c>, <c>nlattr</c>) are in host byte order: reading and writing them.</summary>
internal static class NetlinkBytes
{
    public static void WriteHost32(Span<byte> m, int offset, uint value)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(m[offset..], value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(m[offset..], value);
        }
    }

    public static void WriteHost16(Span<byte> m, int offset, ushort value)
    {
        if (BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(m[offset..], value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(m[offset..], value);
        }
    }

    public static uint ReadHost32(ReadOnlySpan<byte> m, int offset) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt32LittleEndian(m[offset..]) : BinaryPrimitives.ReadUInt32BigEndian(m[offset..]);

    public static ushort ReadHost16(ReadOnlySpan<byte> m, int offset) =>
        BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(m[offset..]) : BinaryPrimitives.ReadUInt16BigEndian(m[offset..]);
}
