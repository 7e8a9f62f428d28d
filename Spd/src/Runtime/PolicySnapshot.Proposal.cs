using IpsecFw.Spd.Language;

namespace IpsecFw.Spd.Runtime;

// The initiator's side of traffic selector negotiation (RFC 7296 2.9): what to propose to a peer.
public sealed partial class PolicySnapshot
{
    /// <summary>
    /// The traffic selectors to propose to the peer whose IKE address is <paramref name="peerAddress"/> when nothing in
    /// the configuration fixes them (RFC 7296 2.9: the initiator proposes, the responder narrows). Control plane:
    /// allocates.
    /// <para>
    /// Before IKE_AUTH the peer's identity is not known, only the address the SA goes to. Every allow rule this host
    /// enforces whose remote side is an x509 group (the rules <see cref="DecideOutboundAction"/> answers PROTECT for,
    /// and their inbound counterparts) is a region of traffic an SA to an authenticated peer may carry: this host's side
    /// is this host's addresses in the rule's local group (with <see cref="Specialize"/>: the host's own addresses) of
    /// the peer's address family, the peer's side is <paramref name="peerAddress"/> alone (a group is a set of
    /// identities, not of addresses); the service's ports are on this host's side for a rule enforced inbound and on
    /// the peer's side for one enforced outbound. TSi is the union of the regions' local parts, TSr of their remote
    /// parts (entries covered by another left out). An SA is a product TSi × TSr, so it may be wider than the union of
    /// the regions; the per-packet decisions apply every rule in order, as with the responder's narrowing.
    /// </para>
    /// <para>Address groups and <c>*</c> as the remote side are BYPASS (traffic in clear), deny rules wait for the grant: neither is proposed.</para>
    /// </summary>
    public InitiatorProposal ProposeInitiator(UInt128 peerAddress)
    {
        bool v4 = IpAddressCodec.IsIPv4(peerAddress);
        var local = new List<TrafficSelectorRange>();
        var remote = new List<TrafficSelectorRange>();
        var rules = new List<int>();
        int a = 0, b = 0;
        IReadOnlyList<int> inbound = InboundRules, outbound = OutboundRules;
        while (a < inbound.Count || b < outbound.Count)
        {
            bool takeInbound = b >= outbound.Count || (a < inbound.Count && inbound[a] <= outbound[b]);
            CompiledRule rule = _rules[takeInbound ? inbound[a++] : outbound[b++]];
            int remoteGroup = takeInbound ? rule.Source : rule.Destination;
            if (rule.Action != RuleAction.Allow || remoteGroup < 0 || _groups[remoteGroup].Identities.Count == 0)
            {
                continue;
            }

            AddressSet? mine = _selfAddresses ?? (takeInbound ? LocalSet(rule.Destination) : LocalSet(rule.Source));
            int before = local.Count;
            foreach (ServicePort s in rule.Service)
            {
                byte protocol = s.AnyProtocol ? (byte)0 : s.Protocol;
                bool ports = !s.AnyProtocol && IpProtocol.HasPorts(s.Protocol);
                ushort first = ports ? s.FirstPort : (ushort)0, last = ports ? s.LastPort : ushort.MaxValue;
                (ushort lf, ushort ll) = takeInbound ? (first, last) : ((ushort)0, ushort.MaxValue);
                (ushort rf, ushort rl) = takeInbound ? ((ushort)0, ushort.MaxValue) : (first, last);
                TrafficSelectorRange family = v4 ? TrafficSelectorRange.AnyIPv4 : TrafficSelectorRange.AnyIPv6;
                if (mine is null)
                {
                    local.Add(family with { Protocol = protocol, StartPort = lf, EndPort = ll });
                }
                else
                {
                    foreach (AddressRange range in mine.Ranges)
                    {
                        if (IpAddressCodec.IsIPv4(range.First) == v4
                            && family.TryIntersect(new TrafficSelectorRange(protocol, lf, ll, range.First, range.Last), out TrafficSelectorRange part))
                        {
                            local.Add(part);
                        }
                    }
                }

                if (local.Count > before)
                {
                    remote.Add(new TrafficSelectorRange(protocol, rf, rl, peerAddress, peerAddress));
                }
            }

            if (local.Count > before)
            {
                rules.Add(rule.Index);
            }
        }

        return local.Count == 0
            ? new InitiatorProposal([], [], [])
            : new InitiatorProposal(WithoutCovered(local), WithoutCovered(remote), [.. rules.Distinct()]);
    }
}
