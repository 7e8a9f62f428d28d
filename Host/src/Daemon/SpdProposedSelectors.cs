using System.Net;
using IpsecFw.Host.Configuration;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The initiator's traffic selectors from the SPD (RFC 7296 2.9): a side the peer's configuration does not fix
/// (<c>localSubnets</c> / <c>remoteSubnets</c> empty) is proposed from the running policy's rules that would protect
/// traffic with that peer (<see cref="PolicySnapshot.ProposeInitiator"/> on this host's specialised snapshot, read at
/// each initiation so a reload counts); configured subnets always win. Without a policy, without such a rule, or for
/// a peer asking for an inside address by CP (it proposes any IPv4 for the gateway to narrow), the configuration's
/// selectors stay. Stateless.
/// </summary>
internal static class SpdProposedSelectors
{
    /// <summary><paramref name="config"/> with the selectors the SPD proposes towards <paramref name="remote"/> where <paramref name="peer"/> fixes none.</summary>
    public static IkeSaConfig Apply(IkeSaConfig config, PeerOptions peer, PolicySnapshot? local, IPAddress remote)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(remote);
        bool fixedLocal = peer.LocalSubnets.Count > 0 || peer.RequestAddress || peer.RequestAddress6, fixedRemote = peer.RemoteSubnets.Count > 0;
        if (local is null || (fixedLocal && fixedRemote))
        {
            return config;
        }

        InitiatorProposal proposal = local.ProposeInitiator(IpAddressCodec.FromIPAddress(remote));
        if (proposal.IsEmpty)
        {
            return config;
        }

        return config with
        {
            LocalTrafficSelectors = fixedLocal ? config.LocalTrafficSelectors : SpdSelectors.ToWire(proposal.Local),
            RemoteTrafficSelectors = fixedRemote ? config.RemoteTrafficSelectors : SpdSelectors.ToWire(proposal.Remote),
        };
    }
}
