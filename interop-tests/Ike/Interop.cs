using System.Net;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.InteropTests.StrongSwan;

namespace IpsecFw.InteropTests.Ike;

/// <summary>Our side's configuration for a strongSwan scenario: the default proposals and the topology's inner subnets.</summary>
internal static class Interop
{
    public static IkeSaConfig Config(IIkeAuthenticator auth, NetnsEnd local, NetnsEnd remote)
    {
        (IReadOnlyList<Proposal> ike, IReadOnlyList<Proposal> esp) = IkeSaConfig.ParseProposals(ProposalParser.DefaultIke, ProposalParser.DefaultEsp);
        return new IkeSaConfig
        {
            Name = "strongswan",
            Authenticator = auth,
            IkeProposals = ike,
            EspProposals = esp,
            LocalTrafficSelectors = [Selector(local.InnerSubnet)],
            RemoteTrafficSelectors = [Selector(remote.InnerSubnet)],
            RetransmitTimeout = TimeSpan.FromSeconds(1),
        };
    }

    public static TrafficSelector Selector(string subnet)
    {
        IPNetwork n = IPNetwork.Parse(subnet);
        byte[] start = n.BaseAddress.GetAddressBytes(), end = (byte[])start.Clone();
        for (int bit = n.PrefixLength; bit < end.Length * 8; bit++)
        {
            end[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        return new TrafficSelector(start.Length == 4 ? TsType.Ipv4AddressRange : TsType.Ipv6AddressRange, 0, 0, 65535, n.BaseAddress, new IPAddress(end));
    }
}
