using System.Net;
using System.Net.Sockets;

namespace IpsecFw.Ike.Fragmentation;

/// <summary>
/// How large an IKE message may be so that its IP datagram fits an MTU (RFC 7383 2.5.1): the MTU less the IP header
/// (20 bytes for IPv4, 40 for IPv6, no options or extension headers), the UDP header (8) and, on port 4500, the
/// non-ESP marker (4, RFC 3948 2.2).
/// </summary>
public static class FragmentSizing
{
    /// <summary>RFC 7383 2.5.1: with no knowledge of the path, 576 bytes for IPv4.</summary>
    public const int DefaultIpv4Mtu = 576;

    /// <summary>RFC 7383 2.5.1: with no knowledge of the path, 1280 bytes for IPv6 (its minimum MTU, RFC 8200 5).</summary>
    public const int DefaultIpv6Mtu = 1280;

    /// <summary>The UDP header.</summary>
    public const int UdpHeaderLength = 8;

    /// <summary>The non-ESP marker in front of IKE on port 4500 (RFC 3948 2.2).</summary>
    public const int NonEspMarkerLength = 4;

    /// <summary>
    /// The largest IKE message (IKE header to the last byte of SKF) whose datagram to <paramref name="remote"/> from
    /// <paramref name="local"/> fits <paramref name="mtu"/>; an MTU of 0 takes the RFC 7383 2.5.1 default of the
    /// address family. May be small or negative for an unusable MTU: the fragmenter then fails with
    /// <see cref="FragmentError.MtuTooSmall"/>.
    /// </summary>
    public static int MaxMessageLength(int mtu, IPEndPoint local, IPEndPoint remote)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(remote);
        bool v6 = remote.AddressFamily == AddressFamily.InterNetworkV6 && !remote.Address.IsIPv4MappedToIPv6;
        if (mtu <= 0)
        {
            mtu = v6 ? DefaultIpv6Mtu : DefaultIpv4Mtu;
        }

        int overhead = (v6 ? 40 : 20) + UdpHeaderLength + (local.Port == 4500 || remote.Port == 4500 ? NonEspMarkerLength : 0);
        return mtu - overhead;
    }
}
