using System.Net;

namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>
/// One IPsec end of a <see cref="NetnsTopology"/>: its namespace, its underlay address (the one IKE and ESP-in-UDP use)
/// and its inner address (a /32 on <c>lo</c>, inside <see cref="InnerSubnet"/>, the traffic selector of the end).
/// </summary>
/// <param name="Ns">The namespace.</param>
/// <param name="Underlay">The address on the veth (198.18.0.0/15).</param>
/// <param name="Inner">The tunnelled address on <c>lo</c> (198.19.1.1 or 198.19.2.1).</param>
/// <param name="InnerSubnet">The /24 around <paramref name="Inner"/>, as a traffic selector string.</param>
public sealed record NetnsEnd(Netns Ns, IPAddress Underlay, IPAddress Inner, string InnerSubnet)
{
    /// <summary>The IPv6 address on the veth (2001:2::/64), after <see cref="NetnsTopology.AddIpv6Async"/>; null before.</summary>
    public IPAddress? Underlay6 { get; init; }

    /// <summary>The IPv6 tunnelled address on <c>lo</c> (2001:2:0:1::1 or 2001:2:0:2::1), after <see cref="NetnsTopology.AddIpv6Async"/>.</summary>
    public IPAddress? Inner6 { get; init; }

    /// <summary>The /64 around <see cref="Inner6"/>, as a traffic selector string; null without IPv6.</summary>
    public string? InnerSubnet6 { get; init; }
}
