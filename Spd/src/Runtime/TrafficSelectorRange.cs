namespace IpsecFw.Spd.Runtime;

/// <summary>
/// One traffic selector as IKEv2 carries it (RFC 7296 3.13.1): an IP protocol (0 = any), an inclusive port range and an
/// inclusive address range. Addresses are in the 128-bit form of <see cref="IpAddressCodec"/>; a range inside
/// <c>::ffff:0:0/96</c> is an IPv4 range (TS_IPV4_ADDR_RANGE), any other an IPv6 range (TS_IPV6_ADDR_RANGE). For ICMP and
/// ICMPv6 the port fields hold type (high octet) and code (low octet), as RFC 4301 4.4.1.1 says; 0-65535 is "any".
/// The Ike layer converts this to and from its wire type. Immutable.
/// </summary>
/// <param name="Protocol">IP protocol number; 0 means any protocol.</param>
/// <param name="StartPort">Lowest port, inclusive.</param>
/// <param name="EndPort">Highest port, inclusive.</param>
/// <param name="StartAddress">Lowest address, inclusive.</param>
/// <param name="EndAddress">Highest address, inclusive.</param>
public readonly record struct TrafficSelectorRange(
    byte Protocol, ushort StartPort, ushort EndPort, UInt128 StartAddress, UInt128 EndAddress)
{
    private static readonly UInt128 s_v4First = IpAddressCodec.FromIPv4(0);
    private static readonly UInt128 s_v4Last = IpAddressCodec.FromIPv4(uint.MaxValue);

    /// <summary>Every IPv4 address, every protocol and port.</summary>
    public static TrafficSelectorRange AnyIPv4 => new(0, 0, ushort.MaxValue, s_v4First, s_v4Last);

    /// <summary>Every IPv6 address, every protocol and port.</summary>
    public static TrafficSelectorRange AnyIPv6 => new(0, 0, ushort.MaxValue, UInt128.Zero, UInt128.MaxValue);

    /// <summary>One host, every protocol and port.</summary>
    public static TrafficSelectorRange Host(UInt128 address) => new(0, 0, ushort.MaxValue, address, address);

    /// <summary>True when the range holds no traffic (reversed ports or addresses).</summary>
    public bool IsEmpty => StartPort > EndPort || StartAddress > EndAddress;

    /// <summary>True when both ends are IPv4-mapped: the selector is a TS_IPV4_ADDR_RANGE.</summary>
    public bool IsIPv4 => IpAddressCodec.IsIPv4(StartAddress) && IpAddressCodec.IsIPv4(EndAddress);

    /// <summary>True when a packet with this protocol, port and address is inside the selector.</summary>
    public bool Contains(byte protocol, ushort port, UInt128 address) =>
        (Protocol == 0 || Protocol == protocol) && port >= StartPort && port <= EndPort
        && address >= StartAddress && address <= EndAddress;

    /// <summary>
    /// The traffic both selectors hold, or false when they share none: protocols must be equal or one of them any;
    /// port and address ranges are intersected. An IPv4 and an IPv6 selector never intersect (their 128-bit ranges are
    /// disjoint).
    /// </summary>
    public bool TryIntersect(in TrafficSelectorRange other, out TrafficSelectorRange result)
    {
        result = default;
        byte protocol;
        if (Protocol == 0)
        {
            protocol = other.Protocol;
        }
        else if (other.Protocol == 0 || other.Protocol == Protocol)
        {
            protocol = Protocol;
        }
        else
        {
            return false;
        }

        result = new TrafficSelectorRange(
            protocol,
            Math.Max(StartPort, other.StartPort),
            Math.Min(EndPort, other.EndPort),
            UInt128.Max(StartAddress, other.StartAddress),
            UInt128.Min(EndAddress, other.EndAddress));
        return !result.IsEmpty;
    }

    /// <summary>True when every packet <paramref name="other"/> holds is also held by this selector.</summary>
    public bool Covers(in TrafficSelectorRange other) =>
        (Protocol == 0 || Protocol == other.Protocol) && StartPort <= other.StartPort && EndPort >= other.EndPort
        && StartAddress <= other.StartAddress && EndAddress >= other.EndAddress;

    /// <summary>Readable form for logs and test messages, e.g. <c>6 [25-25] 198.18.0.1-198.18.0.1</c>.</summary>
    public override string ToString() =>
        $"{Protocol} [{StartPort}-{EndPort}] {IpAddressCodec.ToIPAddress(StartAddress)}-{IpAddressCodec.ToIPAddress(EndAddress)}";
}
