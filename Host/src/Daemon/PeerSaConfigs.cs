using System.Net;
using IpsecFw.Host.Configuration;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Turns a configured peer into the engine's <see cref="IkeSaConfig"/>: the peer's name, authenticator, proposals
/// (through <see cref="PeerProposals"/>), traffic selectors (<c>localSubnets</c>/<c>remoteSubnets</c>, else the two IKE
/// addresses as /32 or /128), liveness interval, the half-open timeout (<c>ike.halfOpenTimeoutSeconds</c>), whether ESP is always UDP-encapsulated
/// (<c>ike.encapsulation</c>) and, from
/// <c>dpd.timeoutSeconds</c>, the number of retransmissions before the peer is declared dead. Thread-safe.
/// </summary>
internal static class PeerSaConfigs
{
    /// <summary>The configuration of one peer.</summary>
    public static IkeSaConfig Build(PeerOptions peer, IIkeAuthenticator authenticator, IPAddress localAddress, IkeOptions? ike = null)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(localAddress);
        IPAddress? remote = peer.Address is { } a && IpPrefix.TryParseAddress(a, out IPAddress? parsed) ? parsed : null;
        var config = new IkeSaConfig
        {
            Name = peer.Name,
            Authenticator = authenticator,
            IkeProposals = PeerProposals.Ike(peer),
            EspProposals = PeerProposals.Esp(peer),
            LocalTrafficSelectors = Selectors(peer.LocalSubnets, localAddress, peer.ProtectPeerAddress),
            RemoteTrafficSelectors = Selectors(peer.RemoteSubnets, remote, peer.ProtectPeerAddress),
            DpdDelay = TimeSpan.FromSeconds(Math.Max(0, peer.Dpd.IntervalSeconds)),
            HalfOpenTimeout = TimeSpan.FromSeconds((ike ?? new IkeOptions()).HalfOpenTimeoutSeconds),
            ForceUdpEncapsulation = (ike ?? new IkeOptions()).Encapsulation == EspEncapsulation.Force,
        };
        return config with { RetransmitTries = RetransmitTriesWithin(TimeSpan.FromSeconds(peer.Dpd.TimeoutSeconds), config.RetransmitTimeout, config.RetransmitBase) };
    }

    /// <summary>
    /// <c>dpd.timeoutSeconds</c> as the engine's retransmissions: the most (at least 1, at most 16) whose waits, from
    /// the first send to the verdict (<paramref name="first"/> × <paramref name="factor"/>^k for k = 0..tries), fit
    /// in <paramref name="timeout"/>. The default 150 s gives the engine's default, 5 (82.5 s).
    /// </summary>
    public static int RetransmitTriesWithin(TimeSpan timeout, TimeSpan first, double factor)
    {
        int tries = 1;
        double total = first.TotalSeconds * (1 + factor);
        while (tries < 16)
        {
            double next = total + (first.TotalSeconds * Math.Pow(factor, tries + 1));
            if (next > timeout.TotalSeconds)
            {
                break;
            }

            total = next;
            tries++;
        }

        return tries;
    }

    /// <summary>
    /// The selectors of a list of prefixes; an empty list means <paramref name="host"/> alone (or any IPv4 address
    /// without one). With <paramref name="withHost"/> (<c>protectPeerAddress</c>) the host's address is added to a
    /// list that is not empty.
    /// </summary>
    public static IReadOnlyList<TrafficSelector> Selectors(IReadOnlyList<string> prefixes, IPAddress? host, bool withHost = false)
    {
        ArgumentNullException.ThrowIfNull(prefixes);
        if (prefixes.Count == 0)
        {
            return host is null ? [IkeSaConfig.AnyIpv4] : [FromPrefix(new IpPrefix(host, host.GetAddressBytes().Length * 8))];
        }

        var list = new List<TrafficSelector>(prefixes.Count + 1);
        foreach (string text in prefixes)
        {
            if (IpPrefix.TryParse(text, out IpPrefix prefix))
            {
                list.Add(FromPrefix(prefix));
            }
        }

        if (withHost && host is not null)
        {
            list.Add(FromPrefix(new IpPrefix(host, host.GetAddressBytes().Length * 8)));
        }

        return list;
    }

    /// <summary>The address-range selector of a prefix, any protocol and port.</summary>
    public static TrafficSelector FromPrefix(IpPrefix prefix)
    {
        byte[] start = prefix.Network.GetAddressBytes(), end = (byte[])start.Clone();
        for (int bit = prefix.Length; bit < end.Length * 8; bit++)
        {
            end[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        return new TrafficSelector(start.Length == 4 ? TsType.Ipv4AddressRange : TsType.Ipv6AddressRange, 0, 0, 65535,
            new IPAddress(start), new IPAddress(end));
    }
}
