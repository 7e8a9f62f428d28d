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
        UInt128 start = AddressNumber.Of(selector.StartAddress), end = AddressNumber.Of(selector.EndAddress);
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

            result.Add(new IPNetwork(AddressNumber.ToAddress(start, bits == 32), bits - size));
            UInt128 next = start + (UInt128.One << size);
            if (next == 0 || (bits == 32 && next > uint.MaxValue))
            {
                break;
            }

            start = next;
        }

        return result;
    }
}
