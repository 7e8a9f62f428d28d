using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.State;

// Re-judging live connections when a new policy is applied (issue 3: "a flow that the new policy forbids is cut").
public sealed partial class ConnectionTable
{
    /// <summary>
    /// Re-decides every live connection under <paramref name="newPolicy"/> (the host's specialised snapshot) and removes
    /// the ones it forbids; returns them so the caller can log them and reset TCP ones. A connection this host opened is
    /// judged with <see cref="PolicySnapshot.DecideOutbound"/>, one it accepted with
    /// <see cref="PolicySnapshot.DecideInbound"/>, each with the local program it was admitted for. The peer's identity
    /// comes from <paramref name="grantForSpi"/> (the IKE layer re-authorises each SA's peer under the new policy and
    /// answers by the SA's SPI; null when the SA is gone); without it, or for traffic in clear, the entry's own grant is
    /// used, which a snapshot from another compile treats as no identity, so every connection on an SA that relied on an
    /// x509 group is cut. Kept connections take the new policy's version and deciding rule. Expired entries are removed
    /// on the way. Control plane: allocates the result; holds one shard's lock at a time, so
    /// <paramref name="grantForSpi"/> must be quick (a dictionary look-up).
    /// </summary>
    public IReadOnlyList<CutConnection> Recheck(PolicySnapshot newPolicy, Func<uint, PeerGrant?>? grantForSpi = null, long now = long.MinValue)
    {
        ArgumentNullException.ThrowIfNull(newPolicy);
        var cut = new List<CutConnection>();
        for (int s = 0; s < _shards.Length; s++)
        {
            ref Shard shard = ref _shards[s];
            int shardBase = s * _slotsPerShard;
            Enter(ref shard);
            try
            {
                for (int i = 0; i < _slotsPerShard;)
                {
                    int slot = shardBase + i;
                    ref Entry e = ref _entries[slot];
                    if (e.State == ConnectionState.None)
                    {
                        i++;
                        continue;
                    }

                    if (now != long.MinValue && now >= e.ExpiresAt)
                    {
                        Remove(ref shard, shardBase, slot);
                        Interlocked.Increment(ref _expired);
                        continue;
                    }

                    var flow = new FlowKey(e.Source, e.Destination, e.Protocol, e.SourcePort, e.DestinationPort,
                        e.Protocol is IpProtocol.Icmp ? (byte)8 : e.Protocol is IpProtocol.Icmpv6 ? (byte)128 : (byte)0);
                    PeerGrant? grant = e.Spi != 0 && grantForSpi is not null ? grantForSpi(e.Spi) : _grants[slot];
                    bool local = (e.Bits & LocallyInitiatedBit) != 0;
                    Verdict verdict = local
                        ? newPolicy.DecideOutbound(flow, grant, _programs[slot])
                        : newPolicy.DecideInbound(flow, grant, _programs[slot]);
                    if (verdict.IsAllowed)
                    {
                        e.PolicyVersion = newPolicy.Version;
                        e.RuleIndex = verdict.RuleIndex;
                        _grants[slot] = grant;
                        i++;
                        continue;
                    }

                    cut.Add(new CutConnection(flow, local, e.State, e.Spi, verdict));
                    Remove(ref shard, shardBase, slot);
                }
            }
            finally
            {
                Exit(ref shard);
            }
        }

        return cut;
    }
}
