using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Ike.Engine;

/// <summary>The SPD's traffic selector ranges (<see cref="TrafficSelectorRange"/>, 128-bit addresses) as IKE's wire type (RFC 7296 3.13.1).</summary>
public static class SpdSelectors
{
    /// <summary>One range as a TS_IPV4_ADDR_RANGE or TS_IPV6_ADDR_RANGE selector.</summary>
    public static TrafficSelector ToWire(TrafficSelectorRange range) =>
        new(range.IsIPv4 ? TsType.Ipv4AddressRange : TsType.Ipv6AddressRange, range.Protocol, range.StartPort, range.EndPort,
            IpAddressCodec.ToIPAddress(range.StartAddress), IpAddressCodec.ToIPAddress(range.EndAddress));

    /// <summary>Every range, in order.</summary>
    public static IReadOnlyList<TrafficSelector> ToWire(IReadOnlyList<TrafficSelectorRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        return [.. ranges.Select(ToWire)];
    }
}
