using System.Buffers.Binary;

namespace IpsecFw.Esp.Packet;

/// <summary>The one's-complement Internet checksum (RFC 1071), for IPv4 headers and UDP.</summary>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> to a running 32-bit sum (odd lengths are padded with a zero byte).</summary>
    public static uint Add(uint sum, ReadOnlySpan<byte> data)
    {
        ulong acc = sum;
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            ulong v = BinaryPrimitives.ReadUInt64BigEndian(data[i..]);
            acc += (v >> 32) + (v & 0xFFFFFFFF);
        }

        for (; i + 2 <= data.Length; i += 2)
        {
            acc += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            acc += (uint)data[i] << 8;
        }

        while (acc > 0xFFFFFFFF)
        {
            acc = (acc & 0xFFFFFFFF) + (acc >> 32);
        }

        return (uint)acc;
    }

    /// <summary>Folds a running sum to 16 bits and complements it: the value to put in the checksum field.</summary>
    public static ushort Finish(uint sum)
    {
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>The checksum of <paramref name="data"/> (with its checksum field zeroed by the caller).</summary>
    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));
}
