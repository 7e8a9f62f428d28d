using IpsecFw.Spd.Language;

namespace IpsecFw.Spd.Runtime;

// The responder's side of traffic selector negotiation (RFC 7296 2.9) and the IKE_AUTH admission question.
public sealed partial class PolicySnapshot
{
    /// <summary>
    /// True when an authenticated peer with this grant may have an SA with this host at all (asked by IKE at IKE_AUTH):
    /// some allow rule this host enforces, in either direction, has <c>*</c> or a group the peer's identity is in as its
    /// remote side. Address-only rules do not count: they describe traffic in clear (BYPASS), which needs no SA.
    /// A grant from another snapshot counts as no identity.
    /// </summary>
    public bool AdmitsPeer(PeerGrant peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        PeerGrant? grant = ReferenceEquals(peer.Owner, _groupTable) ? peer : null;
        foreach (int i in InboundRules)
        {
            if (_rules[i].Action == RuleAction.Allow && (_rules[i].Source < 0 || (grant?.Contains(_rules[i].Source) ?? false)))
            {
                return true;
            }
        }

        foreach (int i in OutboundRules)
        {
            if (_rules[i].Action == RuleAction.Allow
                && (_rules[i].Destination < 0 || (grant?.Contains(_rules[i].Destination) ?? false)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The responder's narrowing of proposed traffic selectors (RFC 7296 2.9). <paramref name="initiator"/> is TSi (the
    /// peer's side), <paramref name="responder"/> TSr (this host's side); <paramref name="peer"/> is the grant IKE_AUTH
    /// gave the peer. Control plane: allocates.
    /// <para>
    /// Each allow rule this host enforces is a region of traffic: for a rule it enforces inbound, the peer's side is
    /// the rule's source group (any address when the group is <c>*</c> or the peer's identity is in it, else the
    /// group's addresses), this host's side is this host's own addresses, and the service's ports are on this host's
    /// side; for a rule it enforces outbound, the same with the service's ports on the peer's side. The region chosen is
    /// the first, in file order, that shares traffic with the first pair (TSi[0], TSr[0]), which RFC 7296 2.9 asks the
    /// initiator to make the triggering packet; failing that, with any pair in order. The answer is every proposed TSi
    /// and TSr entry intersected with that region (entries covered by another answer entry are left out). No region:
    /// unacceptable.
    /// </para>
    /// <para>
    /// Deny rules do not narrow the selectors (an ordered list of allow and deny rules is not in general a product of
    /// ranges): the SA may be wider than what the rules' order finally allows, and the per-packet decisions
    /// (<see cref="DecideInbound"/>, <see cref="DecideOutbound"/> with the SA's grant) still apply every rule in order.
    /// It is never wider than the allow rules.
    /// </para>
    /// </summary>
    public SelectorNarrowing NarrowResponder(
        PeerGrant? peer, IReadOnlyList<TrafficSelectorRange> initiator, IReadOnlyList<TrafficSelectorRange> responder)
    {
        ArgumentNullException.ThrowIfNull(initiator);
        ArgumentNullException.ThrowIfNull(responder);
        if (peer is not null && !ReferenceEquals(peer.Owner, _groupTable))
        {
            peer = null;
        }

        List<Region> regions = Regions(peer);
        if (regions.Count == 0 || initiator.Count == 0 || responder.Count == 0)
        {
            return SelectorNarrowing.Unacceptable;
        }

        Region? chosen = FirstRegion(regions, initiator[0], responder[0]);
        for (int i = 0; chosen is null && i < initiator.Count; i++)
        {
            for (int j = 0; chosen is null && j < responder.Count; j++)
            {
                chosen = FirstRegion(regions, initiator[i], responder[j]);
            }
        }

        if (chosen is not { } region)
        {
            return SelectorNarrowing.Unacceptable;
        }

        var tsi = new List<TrafficSelectorRange>();
        var tsr = new List<TrafficSelectorRange>();
        foreach (TrafficSelectorRange ts in initiator)
        {
            Intersect(ts, region.Protocol, region.RemoteFirstPort, region.RemoteLastPort, region.RemoteAddresses, tsi);
        }

        foreach (TrafficSelectorRange ts in responder)
        {
            Intersect(ts, region.Protocol, region.LocalFirstPort, region.LocalLastPort, region.LocalAddresses, tsr);
        }

        return new SelectorNarrowing(true, WithoutCovered(tsi), WithoutCovered(tsr), region.RuleIndex);
    }

    private List<Region> Regions(PeerGrant? peer)
    {
        var regions = new List<Region>();
        int a = 0, b = 0;
        IReadOnlyList<int> inbound = InboundRules, outbound = OutboundRules;
        while (a < inbound.Count || b < outbound.Count)
        {
            // Merge the two lists in file order; a rule in both yields its inbound region first.
            bool takeInbound = b >= outbound.Count || (a < inbound.Count && inbound[a] <= outbound[b]);
            CompiledRule rule = _rules[takeInbound ? inbound[a++] : outbound[b++]];
            if (rule.Action != RuleAction.Allow)
            {
                continue;
            }

            int remoteGroup = takeInbound ? rule.Source : rule.Destination;
            AddressSet? remote = remoteGroup < 0 || (peer?.Contains(remoteGroup) ?? false) ? null : _groups[remoteGroup].Addresses;
            if (remote is { IsEmpty: true })
            {
                continue;
            }

            AddressSet? local = _selfAddresses ?? (takeInbound ? LocalSet(rule.Destination) : LocalSet(rule.Source));
            foreach (ServicePort s in rule.Service)
            {
                byte protocol = s.AnyProtocol ? (byte)0 : s.Protocol;
                bool ports = !s.AnyProtocol && IpProtocol.HasPorts(s.Protocol);
                ushort first = ports ? s.FirstPort : (ushort)0, last = ports ? s.LastPort : ushort.MaxValue;
                regions.Add(takeInbound
                    ? new Region(rule.Index, protocol, first, last, local, 0, ushort.MaxValue, remote)
                    : new Region(rule.Index, protocol, 0, ushort.MaxValue, local, first, last, remote));
            }
        }

        return regions;
    }

    // Before Specialize this host's side is unknown: a group with identities may be anywhere, an address group is its addresses.
    private AddressSet? LocalSet(int group) => _groups[group].Identities.Count > 0 ? null : _groups[group].Addresses;

    private static Region? FirstRegion(List<Region> regions, in TrafficSelectorRange tsi, in TrafficSelectorRange tsr)
    {
        var probeI = new List<TrafficSelectorRange>(1);
        var probeR = new List<TrafficSelectorRange>(1);
        foreach (Region r in regions)
        {
            probeI.Clear();
            probeR.Clear();
            Intersect(tsi, r.Protocol, r.RemoteFirstPort, r.RemoteLastPort, r.RemoteAddresses, probeI);
            Intersect(tsr, r.Protocol, r.LocalFirstPort, r.LocalLastPort, r.LocalAddresses, probeR);
            if (probeI.Count > 0 && probeR.Count > 0
                && (probeI[0].Protocol == 0 || probeR[0].Protocol == 0 || probeI[0].Protocol == probeR[0].Protocol))
            {
                return r;
            }
        }

        return null;
    }

    private static void Intersect(in TrafficSelectorRange ts, byte protocol, ushort firstPort, ushort lastPort,
        AddressSet? addresses, List<TrafficSelectorRange> output)
    {
        if (addresses is null)
        {
            if (ts.TryIntersect(new TrafficSelectorRange(protocol, firstPort, lastPort, UInt128.Zero, UInt128.MaxValue), out TrafficSelectorRange all))
            {
                output.Add(all);
            }

            return;
        }

        foreach (AddressRange range in addresses.Ranges)
        {
            // An IPv6 selector never takes IPv4 addresses, although ::/0 spans their mapped form (RFC 4291 2.5.5.2).
            if (!ts.IsIPv4 && IpAddressCodec.IsIPv4(range.First) && IpAddressCodec.IsIPv4(range.Last))
            {
                continue;
            }

            if (ts.TryIntersect(new TrafficSelectorRange(protocol, firstPort, lastPort, range.First, range.Last), out TrafficSelectorRange part))
            {
                output.Add(part);
            }
        }
    }

    private static TrafficSelectorRange[] WithoutCovered(List<TrafficSelectorRange> list)
    {
        var kept = new List<TrafficSelectorRange>(list.Count);
        for (int i = 0; i < list.Count; i++)
        {
            bool covered = false;
            for (int j = 0; j < list.Count && !covered; j++)
            {
                // An equal entry is dropped only in favour of an earlier one.
                covered = j != i && list[j].Covers(list[i]) && (list[j] != list[i] || j < i);
            }

            if (!covered)
            {
                kept.Add(list[i]);
            }
        }

        return [.. kept];
    }

    private readonly record struct Region(
        int RuleIndex, byte Protocol, ushort LocalFirstPort, ushort LocalLastPort, AddressSet? LocalAddresses,
        ushort RemoteFirstPort, ushort RemoteLastPort, AddressSet? RemoteAddresses);
}
