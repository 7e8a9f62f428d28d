using System.Globalization;
using IpsecFw.Spd.Runtime;
using IpsecFw.Spd.State;

namespace IpsecFw.Host.Daemon;

// The control plane of the filter: which peer is behind each SPI, and installing a policy.
public sealed partial class SpdPacketFilter
{
    /// <summary>Retired SAs remembered for <see cref="ConnectionTable.Recheck"/> (connections opened on an SA since rekeyed).</summary>
    private const int MaxRetired = 4096;

    private readonly Lock _lock = new();
    private readonly Dictionary<uint, (string Name, PeerIdentity? Identity)> _live = [];
    private readonly Dictionary<uint, (string Name, PeerIdentity? Identity)> _retired = [];
    private readonly Queue<uint> _retiredOrder = new();

    /// <summary>
    /// A CHILD_SA with <paramref name="peerName"/> is installed: its two SPIs now carry the peer's grant under the
    /// enforced policy (recomputed by each <see cref="Apply"/>).
    /// </summary>
    public void AddSa(uint inboundSpi, uint outboundSpi, string peerName, PeerIdentity? identity)
    {
        ArgumentNullException.ThrowIfNull(peerName);
        lock (_lock)
        {
            _live[inboundSpi] = (peerName, identity);
            _live[outboundSpi] = (peerName, identity);
            if (Volatile.Read(ref _enforced) is { } enforced)
            {
                var peer = new SaPeer(peerName, identity, identity is null ? null : enforced.Local.AuthorizePeer(identity));
                enforced.Peers[inboundSpi] = peer;
                enforced.Peers[outboundSpi] = peer;
            }
        }
    }

    /// <summary>The CHILD_SA is gone: new flows on its SPIs find no peer (only <c>*</c> and address rules can hold them).</summary>
    public void RemoveSa(uint inboundSpi, uint outboundSpi)
    {
        lock (_lock)
        {
            Retire(inboundSpi);
            Retire(outboundSpi);
        }
    }

    /// <summary>
    /// Installs <paramref name="local"/> (this host's specialised snapshot; <paramref name="source"/> is its policy
    /// text, for the rule lines in status and logs): every SA's peer is authorised again under it, the hit counters
    /// start at zero, and every live connection is re-decided (<see cref="ConnectionTable.Recheck"/>): those the new
    /// policy forbids are cut, logged, and their next packet is judged as a new flow. Returns how many were cut.
    /// </summary>
    public int Apply(PolicySnapshot local, string? source)
    {
        ArgumentNullException.ThrowIfNull(local);
        lock (_lock)
        {
            var enforced = new EnforcedPolicy(local, source);
            var grants = new Dictionary<PeerIdentity, PeerGrant>();
            foreach ((uint spi, (string name, PeerIdentity? identity)) in _live)
            {
                enforced.Peers[spi] = new SaPeer(name, identity, Authorize(local, identity, grants));
            }

            var retired = new Dictionary<uint, PeerGrant?>(_retired.Count);
            foreach ((uint spi, (string _, PeerIdentity? identity)) in _retired)
            {
                retired[spi] = Authorize(local, identity, grants);
            }

            Volatile.Write(ref _enforced, enforced);
            PeerGrant? GrantFor(uint spi) =>
                enforced.Peers.TryGetValue(spi, out SaPeer? p) ? p.Grant : retired.GetValueOrDefault(spi);
            IReadOnlyList<CutConnection> cut = _connections.Recheck(local, GrantFor, _clock());
            foreach (CutConnection c in cut)
            {
                EnforcementLog.Cut(_logger, local.Version, c.LocallyInitiated ? "outbound" : "inbound", ProtocolName(c.Flow.Protocol),
                    IpAddressCodec.ToIPAddress(c.Flow.Source).ToString(), c.Flow.SourcePort,
                    IpAddressCodec.ToIPAddress(c.Flow.Destination).ToString(), c.Flow.DestinationPort,
                    c.Spi.ToString("x8", CultureInfo.InvariantCulture), enforced.Describe(c.Verdict));
            }

            EnforcementLog.Applied(_logger, local.Version, _live.Count / 2, _connections.Count, cut.Count);
            return cut.Count;
        }
    }

    /// <summary>The identity's grant under <paramref name="local"/>, computed once per identity (an IKE SA's CHILD_SAs share it).</summary>
    private static PeerGrant? Authorize(PolicySnapshot local, PeerIdentity? identity, Dictionary<PeerIdentity, PeerGrant> cache)
    {
        if (identity is null)
        {
            return null;
        }

        if (!cache.TryGetValue(identity, out PeerGrant? grant))
        {
            grant = local.AuthorizePeer(identity);
            cache[identity] = grant;
        }

        return grant;
    }

    private void Retire(uint spi)
    {
        if (!_live.Remove(spi, out var peer))
        {
            return;
        }

        Volatile.Read(ref _enforced)?.Peers.TryRemove(spi, out _);
        if (_retired.TryAdd(spi, peer))
        {
            _retiredOrder.Enqueue(spi);
            while (_retiredOrder.Count > MaxRetired)
            {
                _retired.Remove(_retiredOrder.Dequeue());
            }
        }
    }
}
