using System.Net;

namespace IpsecFw.Ike.Engine;

/// <summary>IPv4 and IPv6 addresses as unsigned 128-bit numbers, for traffic selector range arithmetic.</summary>
internal static class AddressNumber
{
    /// <summary>The address as a number (IPv4 in the low 32 bits).</summary>
    public static UInt128 Of(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int n);
        UInt128 v = 0;
        for (int i = 0; i < n; i++)
        {
            v = (v << 8) | b[i];
        }

        return v;
    }

    /// <summary>The address of a number, IPv4 when <paramref name="v4"/>.</summary>
    public static IPAddress ToAddress(UInt128 value, bool v4)
    {
        int n = v4 ? 4 : 16;
        byte[] b = new byte[n];
        for (int i = n - 1; i >= 0; i--)
        {
            b[i] = (byte)(value & 0xff);
            value >>= 8;
        }

        return new IPAddress(b);
    }
}
