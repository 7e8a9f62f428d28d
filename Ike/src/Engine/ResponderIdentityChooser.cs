using System.Net;
using System.Text;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// The responder's choice of configuration by the identity the initiator claims in IDi (RFC 7296 2.15: "the
/// responder ... MAY use the IDi to look up the policy"), for several peers behind one address and for roaming peers.
/// <para>
/// Candidates are ranked: a peer whose exact remote ID equals IDi, then one whose DNS suffix fits it, then one that
/// accepts any identity; a peer whose remote ID or suffix does not fit is never chosen. Among equals: the
/// configuration already chosen by the address at IKE_SA_INIT, then a peer configured with the address the request
/// came from, then configuration order. No candidate: null (AUTHENTICATION_FAILED). The claim is only a claim: the
/// chosen peer's authenticator then verifies it. Immutable; thread-safe.
/// </para>
/// </summary>
public sealed class ResponderIdentityChooser
{
    private readonly IReadOnlyList<ResponderCandidate> _peers;

    /// <summary>A chooser over <paramref name="peers"/>, in configuration order.</summary>
    public ResponderIdentityChooser(IReadOnlyList<ResponderCandidate> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        _peers = [.. peers];
    }

    /// <summary>The configuration for <paramref name="initiatorId"/> from <paramref name="remote"/>; <paramref name="current"/> is the one chosen by address.</summary>
    public IkeSaConfig? Choose(IdPayload initiatorId, IPEndPoint remote, IkeSaConfig? current)
    {
        ArgumentNullException.ThrowIfNull(initiatorId);
        ArgumentNullException.ThrowIfNull(remote);
        IPAddress from = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        IkeSaConfig? best = null;
        int bestScore = 0;
        foreach (ResponderCandidate peer in _peers)
        {
            int identity = IdentityScore(peer, initiatorId);
            if (identity == 0)
            {
                continue;
            }

            // Identity first (x4), then the configuration chosen by address, then the configured address.
            int score = (identity * 4) + (ReferenceEquals(peer.Config, current) ? 2 : 0) + (from.Equals(peer.Address) ? 1 : 0);
            if (score > bestScore)
            {
                best = peer.Config;
                bestScore = score;
            }
        }

        return best;
    }

    /// <summary>3: the exact remote ID; 2: the DNS suffix fits; 1: the peer accepts any identity; 0: it does not fit.</summary>
    public static int IdentityScore(ResponderCandidate peer, IdPayload initiatorId)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(initiatorId);
        if (peer.RemoteId is { } exact)
        {
            return IdentityMatcher.IdsEqual(exact.Type, exact.Data, initiatorId.IdType, initiatorId.Data) ? 3 : 0;
        }

        if (peer.RemoteIdSuffix is { } suffix)
        {
            return NameIn(initiatorId) is { } name && name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? 2 : 0;
        }

        return 1;
    }

    /// <summary>The DNS-like name an ID carries: an FQDN itself, or a DN's common name.</summary>
    private static string? NameIn(IdPayload id) => id.IdType switch
    {
        IdType.Fqdn => Encoding.ASCII.GetString(id.Data).TrimEnd('.'),
        IdType.DerAsn1Dn when DistinguishedName.TryDecode(id.Data, out List<List<DistinguishedName.Attribute>>? rdns) => DistinguishedName.CommonName(rdns),
        _ => null,
    };
}
