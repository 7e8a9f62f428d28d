namespace IpsecFw.Spd.Runtime;

/// <summary>
/// Rules indexed by protocol and destination port, so that a decision looks only at the rules that can match the flow's
/// service, in file order. For TCP, UDP and SCTP the port space is cut into segments at every rule's port boundary, and
/// each segment keeps the rules that cover all of it; a look-up is a binary search over the segments. Other protocols
/// have one list each. Built once per snapshot; immutable; look-ups allocate nothing.
/// <para>
/// When the groups and the remote side are given, every list of at least <see cref="RemoteRuleIndex.MinimumCandidates"/>
/// rules also gets a <see cref="RemoteRuleIndex"/>, so that thousands of rules on one service are not walked one by one.
/// </para>
/// </summary>
internal sealed class RuleIndex
{
    private readonly int[][] _byProtocol = new int[256][];
    private readonly RemoteRuleIndex?[] _protocolSieves = new RemoteRuleIndex?[256];
    private readonly PortTable?[] _byPort = new PortTable?[256];

    /// <summary>An index by service only (the binder's shadowing analysis).</summary>
    public RuleIndex(IReadOnlyList<CompiledRule> rules)
        : this(rules, null, null)
    {
    }

    /// <summary>
    /// An index by service and, for long candidate lists, by the remote side: <paramref name="remoteGroup"/> picks the
    /// group that holds the peer (the source for inbound decisions, the destination for outbound ones).
    /// </summary>
    public RuleIndex(IReadOnlyList<CompiledRule> rules, IReadOnlyList<CompiledGroup>? groups, Func<CompiledRule, int>? remoteGroup)
    {
        Func<int[], RemoteRuleIndex?> sieve = _ => null;
        if (groups is not null && remoteGroup is not null)
        {
            var byIndex = rules.ToDictionary(r => r.Index);
            var built = new Dictionary<int[], RemoteRuleIndex?>(ReferenceEqualityComparer.Instance);
            sieve = list =>
            {
                if (list.Length < RemoteRuleIndex.MinimumCandidates)
                {
                    return null;
                }

                if (!built.TryGetValue(list, out RemoteRuleIndex? s))
                {
                    built[list] = s = RemoteRuleIndex.TryBuild(list, byIndex, groups, remoteGroup);
                }

                return s;
            };
        }

        var wildcard = rules.Where(r => r.Service.Any(s => s.AnyProtocol)).Select(r => r.Index).ToArray();
        for (int p = 0; p < 256; p++)
        {
            byte protocol = (byte)p;
            List<CompiledRule> relevant = [.. rules.Where(r => r.Service.Any(s => s.AnyProtocol || s.Protocol == protocol))];
            bool specific = relevant.Count != wildcard.Length;
            _byProtocol[p] = specific ? [.. relevant.Select(r => r.Index)] : wildcard;
            if (specific && IpProtocol.HasPorts(protocol))
            {
                _byPort[p] = new PortTable(protocol, relevant, sieve);
            }
            else
            {
                _protocolSieves[p] = sieve(_byProtocol[p]);
            }
        }
    }

    /// <summary>The rules (indices, in file order) whose service covers this protocol and destination port.</summary>
    public ReadOnlySpan<int> Candidates(byte protocol, ushort port) => Candidates(protocol, port, out _);

    /// <summary>
    /// The rules (indices, in file order) whose service covers this protocol and destination port, and their
    /// <see cref="RemoteRuleIndex"/> when the list is long enough to have one.
    /// </summary>
    public ReadOnlySpan<int> Candidates(byte protocol, ushort port, out RemoteRuleIndex? sieve)
    {
        PortTable? table = _byPort[protocol];
        if (table is null)
        {
            sieve = _protocolSieves[protocol];
            return _byProtocol[protocol];
        }

        return table.Lookup(port, out sieve);
    }

    private sealed class PortTable
    {
        private readonly int[] _starts;
        private readonly int[][] _lists;
        private readonly RemoteRuleIndex?[] _sieves;

        public PortTable(byte protocol, List<CompiledRule> rules, Func<int[], RemoteRuleIndex?> sieve)
        {
            var points = new SortedSet<int> { 0 };
            foreach (CompiledRule r in rules)
            {
                foreach (ServicePort s in r.Service)
                {
                    if (!s.AnyProtocol && s.Protocol == protocol)
                    {
                        points.Add(s.FirstPort);
                        if (s.LastPort < ushort.MaxValue)
                        {
                            points.Add(s.LastPort + 1);
                        }
                    }
                }
            }

            _starts = [.. points];
            var lists = new List<int>[_starts.Length];
            for (int i = 0; i < lists.Length; i++)
            {
                lists[i] = [];
            }

            foreach (CompiledRule r in rules)
            {
                // A rule with two entries for the same segment is listed once.
                foreach (ServicePort s in r.Service)
                {
                    if (!s.AnyProtocol && s.Protocol != protocol)
                    {
                        continue;
                    }

                    int first = s.AnyProtocol ? 0 : s.FirstPort, last = s.AnyProtocol ? ushort.MaxValue : s.LastPort;
                    for (int seg = Segment(first); seg < _starts.Length && _starts[seg] <= last; seg++)
                    {
                        if (lists[seg].Count == 0 || lists[seg][^1] != r.Index)
                        {
                            lists[seg].Add(r.Index);
                        }

                    }
                }

            }

            _lists = [.. lists.Select(l => l.ToArray())];
            _sieves = [.. _lists.Select(sieve)];
        }

        public ReadOnlySpan<int> Lookup(ushort port, out RemoteRuleIndex? sieve)
        {
            int seg = Segment(port);
            sieve = _sieves[seg];
            return _lists[seg];
        }

        private int Segment(int port)
        {
            int lo = 0, hi = _starts.Length - 1;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >>> 1;
                if (_starts[mid] <= port)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            return lo;
        }
    }
}
