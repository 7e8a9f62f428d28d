using System.Net;
using IpsecFw.Spd.Language;

namespace IpsecFw.Spd.Runtime;

/// <summary>
/// A compiled policy: immutable, safe for any number of concurrent readers, replaced as a whole on reload (one
/// reference write). Produced by <see cref="PolicyCompiler.Compile"/>; <see cref="Specialize"/> narrows it to the rules
/// that concern one host.
/// <para>
/// Who enforces what: a host enforces, on incoming connections, the rules whose destination group holds it, and on
/// outgoing connections the rules whose source group holds it. <c>*</c> stands for any peer and never makes a rule
/// apply to the enforcing host itself; so Figure 1's <c>allow *(inside_net, *);</c> lets inside hosts call out, but
/// does not open inside hosts to each other (the subverted-host case).
/// </para>
/// <para>
/// Order of evaluation (the same in both directions): the candidates are the rules whose service covers the flow's
/// protocol and destination port, in file order; the first candidate whose local side holds this host, whose remote
/// side holds the peer, and whose <c>process</c> (if any) is the local program, decides. If none does, the final
/// default deny decides (drop, or the policy's <c>default reject;</c>). A group holds a host when the host's identity
/// is in it (its <see cref="PeerGrant"/>) or the host's address is in the group's addresses; <c>*</c> holds any peer.
/// A packet that arrived in clear has no grant and is judged by its address alone.
/// </para>
/// </summary>
public sealed partial class PolicySnapshot
{
    private readonly object _groupTable;
    private readonly CompiledGroup[] _groups;
    private readonly CompiledRule[] _rules;
    private readonly PeerGrant? _self;
    private readonly AddressSet? _selfAddresses;
    private readonly RuleIndex _inbound;
    private readonly RuleIndex _outbound;

    internal PolicySnapshot(long version, CompiledGroup[] groups, CompiledRule[] rules, DenyResponse defaultResponse)
    {
        Version = version;
        _groupTable = new object();
        _groups = groups;
        _rules = rules;
        DefaultVerdict = new Verdict(RuleAction.Deny, defaultResponse, true, -1, 0, false);
        int[] inbound = [.. rules.Where(r => r.Destination >= 0).Select(r => r.Index)];
        int[] outbound = [.. rules.Where(r => r.Source >= 0).Select(r => r.Index)];
        InboundRules = inbound;
        OutboundRules = outbound;
        _inbound = new RuleIndex([.. inbound.Select(i => rules[i])], groups, r => r.Source);
        _outbound = new RuleIndex([.. outbound.Select(i => rules[i])], groups, r => r.Destination);
    }

    private PolicySnapshot(PolicySnapshot parent, PeerGrant self, AddressSet selfAddresses, int[] inbound, int[] outbound)
    {
        Version = parent.Version;
        _groupTable = parent._groupTable;
        _groups = parent._groups;
        _rules = parent._rules;
        DefaultVerdict = parent.DefaultVerdict;
        _self = self;
        _selfAddresses = selfAddresses;
        InboundRules = inbound;
        OutboundRules = outbound;
        _inbound = new RuleIndex([.. inbound.Select(i => _rules[i])], _groups, r => r.Source);
        _outbound = new RuleIndex([.. outbound.Select(i => _rules[i])], _groups, r => r.Destination);
    }

    /// <summary>The policy version this snapshot was compiled under (conntrack entries and SAs record it).</summary>
    public long Version { get; }

    /// <summary>The groups, by index.</summary>
    public IReadOnlyList<CompiledGroup> Groups => _groups;

    /// <summary>The rules, in file order.</summary>
    public IReadOnlyList<CompiledRule> Rules => _rules;

    /// <summary>What the final default deny returns.</summary>
    public Verdict DefaultVerdict { get; }

    /// <summary>True when <see cref="Specialize"/> made this snapshot for one host.</summary>
    public bool IsSpecialized => _self is not null;

    /// <summary>
    /// Indices of the rules this host enforces on incoming connections (a group of theirs holds it as destination);
    /// before <see cref="Specialize"/>, every rule with a destination group.
    /// </summary>
    public IReadOnlyList<int> InboundRules { get; }

    /// <summary>
    /// Indices of the rules this host enforces on outgoing connections (a group of theirs holds it as source); before
    /// <see cref="Specialize"/>, every rule with a source group.
    /// </summary>
    public IReadOnlyList<int> OutboundRules { get; }

    /// <summary>Looks a group up by name; -1 when there is none.</summary>
    public int GroupIndex(string name) => Array.FindIndex(_groups, g => g.Name == name);

    /// <summary>
    /// Resolves an authenticated identity, once, into the set of groups whose x509 part it satisfies (address parts are
    /// judged per packet). An empty grant means the identity is in no group.
    /// </summary>
    public PeerGrant AuthorizePeer(PeerIdentity identity)
    {
        var bits = new ulong[(_groups.Length + 63) / 64];
        foreach (CompiledGroup g in _groups)
        {
            foreach (X509Matcher m in g.Identities)
            {
                if (m.Matches(identity))
                {
                    bits[g.Index >> 6] |= 1UL << g.Index;
                    break;
                }
            }
        }

        return new PeerGrant(_groupTable, bits);
    }

    /// <summary>
    /// A snapshot for one host: its own identity (null when it has no certificate) and addresses decide which rules it
    /// can be the destination of (<see cref="InboundRules"/>) or the source of (<see cref="OutboundRules"/>); the others
    /// are dropped from its indices. Decisions on the result treat <paramref name="self"/>'s groups as the local side.
    /// </summary>
    public PolicySnapshot Specialize(PeerIdentity? self, IEnumerable<IPAddress> addresses)
    {
        PeerGrant grant = self is null ? new PeerGrant(_groupTable, new ulong[(_groups.Length + 63) / 64]) : AuthorizePeer(self);
        AddressSet mine = AddressSet.Create(addresses.Select(a =>
        {
            UInt128 v = IpAddressCodec.FromIPAddress(a);
            return new AddressRange(v, v);
        }));
        bool Holds(int group) => group >= 0 && (grant.Contains(group) || _groups[group].Addresses.Overlaps(mine));
        int[] inbound = [.. _rules.Where(r => Holds(r.Destination)).Select(r => r.Index)];
        int[] outbound = [.. _rules.Where(r => Holds(r.Source)).Select(r => r.Index)];
        return new PolicySnapshot(this, grant, mine, inbound, outbound);
    }

    /// <summary>
    /// Judges a packet arriving at this host: the flow's destination is the local side, its source the peer.
    /// <paramref name="peer"/> is the grant of the SA it arrived on, or null for a packet that arrived in clear;
    /// <paramref name="localProgram"/> is the path of the local program that owns the socket, when known. Allocates nothing.
    /// </summary>
    public Verdict DecideInbound(in FlowKey flow, PeerGrant? peer, string? localProgram = null) =>
        Decide(_inbound, flow.Protocol, flow.DestinationPort, flow.Destination, flow.Source, peer, localProgram, inbound: true);

    /// <summary>
    /// Judges a packet leaving this host: the flow's source is the local side, its destination the peer.
    /// <paramref name="peer"/> is the grant of the SA the packet would use, or null when no authenticated peer is known
    /// (then only address groups and <c>*</c> can hold the peer). Allocates nothing.
    /// </summary>
    public Verdict DecideOutbound(in FlowKey flow, PeerGrant? peer, string? localProgram = null) =>
        Decide(_outbound, flow.Protocol, flow.DestinationPort, flow.Source, flow.Destination, peer, localProgram, inbound: false);

    private Verdict Decide(RuleIndex index, byte protocol, ushort port, UInt128 local, UInt128 remote, PeerGrant? peer,
        string? localProgram, bool inbound)
    {
        if (peer is not null && !ReferenceEquals(peer.Owner, _groupTable))
        {
            peer = null; // a grant from another policy: its bits mean nothing here
        }

        ReadOnlySpan<int> candidates = index.Candidates(protocol, port, out RemoteRuleIndex? sieve);
        int best;
        if (sieve is null)
        {
            best = FirstMatch(candidates, int.MaxValue, local, remote, peer, localProgram, inbound);
        }
        else
        {
            // The same first match, over the candidates whose remote side can hold the peer (RemoteRuleIndex).
            best = FirstMatch(sieve.Any, int.MaxValue, local, remote, peer, localProgram, inbound);
            best = FirstMatch(sieve.ByAddress(remote), best, local, remote, peer, localProgram, inbound);
            if (peer is not null && sieve.HasGroups)
            {
                foreach (int g in peer.Groups)
                {
                    best = FirstMatch(sieve.ByGroup(g), best, local, remote, peer, localProgram, inbound);
                }
            }
        }

        return best == int.MaxValue ? DefaultVerdict : _rules[best].Verdict;
    }

    /// <summary>The first rule of <paramref name="list"/> before <paramref name="best"/> that matches, else <paramref name="best"/>.</summary>
    private int FirstMatch(ReadOnlySpan<int> list, int best, UInt128 local, UInt128 remote, PeerGrant? peer,
        string? localProgram, bool inbound)
    {
        foreach (int i in list)
        {
            if (i >= best)
            {
                break;
            }

            CompiledRule rule = _rules[i];
            int localGroup = inbound ? rule.Destination : rule.Source;
            int remoteGroup = inbound ? rule.Source : rule.Destination;
            if (localGroup >= 0 && Holds(localGroup, _self, local) && Holds(remoteGroup, peer, remote)
                && (rule.Process is null || string.Equals(rule.Process, localProgram, StringComparison.Ordinal)))
            {
                return i;
            }
        }

        return best;
    }

    private bool Holds(int group, PeerGrant? grant, UInt128 address) =>
        group < 0 || (grant is not null && grant.Contains(group)) || _groups[group].Addresses.Contains(address);
}
