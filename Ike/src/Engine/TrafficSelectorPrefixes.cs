using System.Net;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Engine;

/// <summary>Address ranges of traffic selectors as the smallest list of prefixes that covers exactly the range.</summary>
public static class TrafficSelectorPrefixes
{
    /// <summary>The prefixes of <paramref name="selector"/>'s address range (ports and protocol are not prefixes).</summary>
    public static IReadOnlyList<IPNetwork> ToNetworks(TrafficSelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        int bits = selector.TsType == TsType.Ipv4AddressRange ? 32 : 128;
        UInt128 start = Value(selector.StartAddress), end = Value(selector.EndAddress);
        var result = new List<IPNetwork>();
        while (start <= end && result.Count < 256)
        {
            int size = 0;
            while (size < bits)
            {
                UInt128 block = UInt128.One << (size + 1);
                if ((start & (block - 1)) != 0 || start + block - 1 > end || (size + 1 == bits && bits == 128))
                {
                    break;
                }

                size++;
            }

            result.Add(new IPNetwork(Address(start, bits == 32), bits - size));
            UInt128 next = start + (UInt128.One << size);
            if (next == 0 || (bits == 32 && next > uint.MaxValue))
            {
                break;
            }

            start = next;
        }

        return result;
    }

    private static UInt128 Value(IPAddress address)
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

    private static IPAddress Address(UInt128 value, bool v4)
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
