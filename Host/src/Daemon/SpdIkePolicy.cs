using IpsecFw.Host.Configuration;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The daemon's <see cref="IIkePolicy"/>. Admission at IKE_AUTH: a <c>peers[].remoteId</c> pattern (<c>*.example.com</c>)
/// must match the peer's DNS names or common name, and then the running policy must admit the peer
/// (<see cref="PolicySnapshot.AuthorizePeer"/> then <see cref="PolicySnapshot.AdmitsPeer"/> on this host's specialised
/// snapshot, read at each admission so a reload counts at once). Selector narrowing: the configured subnets
/// (<see cref="ConfiguredSelectorPolicy"/>): <see cref="PolicySnapshot.NarrowResponder"/> narrows to this host's own
/// addresses, which is right for an endpoint but not for a gateway with <c>localSubnets</c>, so the SPD's per-packet
/// checks do the rest. Without a policy (never in a running daemon, which refuses to start without one) every
/// authenticated peer is admitted. Called on the IKE loop; thread-safe.
/// </summary>
internal sealed class SpdIkePolicy(PolicyService policy, HostConfig config) : IIkePolicy
{
    private readonly ConfiguredSelectorPolicy _selectors = new();

    /// <inheritdoc/>
    public bool AdmitPeer(IkeSa sa, PeerIdentity peer, out string reason)
    {
        ArgumentNullException.ThrowIfNull(sa);
        ArgumentNullException.ThrowIfNull(peer);
        PeerOptions? configured = config.Peers.FirstOrDefault(p => p.Name == sa.Config.Name);
        if (configured?.RemoteId is { } pattern && pattern.StartsWith("*.", StringComparison.Ordinal) && !MatchesPattern(peer, pattern[1..]))
        {
            reason = $"the peer {PeerNames.Describe(peer)} does not match remoteId '{pattern}' of peer '{configured.Name}'";
            return false;
        }

        if (policy.Current is { } running)
        {
            PolicySnapshot local = running.Local;
            if (!local.AdmitsPeer(local.AuthorizePeer(peer)))
            {
                reason = $"no allow rule of policy version {local.Version} admits {PeerNames.Describe(peer)}";
                return false;
            }
        }

        reason = string.Empty;
        return true;
    }

    /// <inheritdoc/>
    public bool TryNarrow(IkeSa sa, IReadOnlyList<TrafficSelector> tsi, IReadOnlyList<TrafficSelector> tsr,
        out IReadOnlyList<TrafficSelector> narrowedTsi, out IReadOnlyList<TrafficSelector> narrowedTsr) =>
        _selectors.TryNarrow(sa, tsi, tsr, out narrowedTsi, out narrowedTsr);

    /// <summary>True when a DNS name or the common name ends with <paramref name="suffix"/> (<c>.example.com</c>) and has a label before it.</summary>
    public static bool MatchesPattern(PeerIdentity peer, string suffix)
    {
        ArgumentNullException.ThrowIfNull(peer);
        bool Match(string? name) => name is not null && name.Length > suffix.Length && name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase);
        return Match(peer.CommonName) || peer.DnsNames.Any(Match);
    }
}
