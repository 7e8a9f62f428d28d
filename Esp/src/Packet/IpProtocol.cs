namespace IpsecFw.Esp.Packet;

/// <summary>IANA protocol numbers this engine reads or writes.</summary>
public static class IpProtocol
{
    /// <summary>IPv6 Hop-by-Hop Options.</summary>
    public const byte HopByHop = 0;

    /// <summary>ICMP.</summary>
    public const byte Icmp = 1;

    /// <summary>IPv4 in IP: tunnel mode's Next Header for an IPv4 inner packet.</summary>
    public const byte IPv4 = 4;

    /// <summary>TCP.</summary>
    public const byte Tcp = 6;

    /// <summary>UDP.</summary>
    public const byte Udp = 17;

    /// <summary>IPv6 in IP: tunnel mode's Next Header for an IPv6 inner packet.</summary>
    public const byte IPv6 = 41;

    /// <summary>IPv6 Routing header.</summary>
    public const byte Routing = 43;

    /// <summary>IPv6 Fragment header.</summary>
    public const byte Fragment = 44;

    /// <summary>ESP.</summary>
    public const byte Esp = 50;

    /// <summary>AH.</summary>
    public const byte Ah = 51;

    /// <summary>ICMPv6.</summary>
    public const byte IcmpV6 = 58;

    /// <summary>No Next Header (RFC 8200; ESP dummy packets, RFC 4303 2.6).</summary>
    public const byte NoNextHeader = 59;

    /// <summary>IPv6 Destination Options.</summary>
    public const byte DestinationOptions = 60;
}
