namespace IpsecFw.Spd.Runtime;

/// <summary>IANA protocol numbers the SPD treats specially.</summary>
public static class IpProtocol
{
    /// <summary>ICMP (1).</summary>
    public const byte Icmp = 1;

    /// <summary>TCP (6): has ports.</summary>
    public const byte Tcp = 6;

    /// <summary>UDP (17): has ports.</summary>
    public const byte Udp = 17;

    /// <summary>ICMPv6 (58).</summary>
    public const byte Icmpv6 = 58;

    /// <summary>SCTP (132): has ports.</summary>
    public const byte Sctp = 132;

    /// <summary>True for the protocols whose flows carry ports the policy can name.</summary>
    public static bool HasPorts(byte protocol) => protocol is Tcp or Udp or Sctp;
}
