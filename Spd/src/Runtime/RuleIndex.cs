namespace IpsecFw.Spd.Runtime;

/// <summary>
/// Rules indexed by protocol and destination port, so that a decision looks only at the rules that can match the flow's
/// service, in file order. For TCP, UDP and SCTP the port space is cut into segments at every rule's port boundary, and
/// each segment keeps the rules that cover all of it; a look-up is a binary search over the segments. Other protocols
/// have one list each. Built once per snapshot; immutable; look-ups allocate nothing.
/// </summary>
internal sealed class RuleIndex
{
    private readonly int[][] _byProtocol = new int[256][];
    private readonly PortTable?[] _byPort = new PortTable?[256];

    public RuleIndex(IReadOnlyList<CompiledRule> rules)
    {
        var wildcard = rules.Where(r => r.Service.Any(s => s.AnyProtocol)).Select(r => r.Index).ToArray();
        for (int p = 0; p < 256; p++)
        {
            byte protocol = (byte)p;
            List<CompiledRule> relevant = [.. rules.Where(r => r.Service.Any(s => s.AnyProtocol || s.Protocol == protocol))];
            bool specific = relevant.Count != wildcard.Length;
            _byProtocol[p] = specific ? [.. relevant.Select(r => r.Index)] : wildcard;
            if (specific && IpProtocol.HasPorts(protocol))
            {
                _byPort[p] = new PortTable(protocol, relevant);
            }
        }
    }

    /// <summary>The rules (indices, in file order) whose service covers this protocol and destination port.</summary>
    public ReadOnlySpan<int> Candidates(byte protocol, ushort port)
    {
        PortTable? table = _byPort[protocol];
        return table is null ? _byProtocol[protocol] : table.Lookup(port);
    }

    private sealed class PortTable
    {
        private readonly int[] _starts;
        private readonly int[][] _lists;

        public PortTable(byte protocol, List<CompiledRule> rules)
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
        }

        public ReadOnlySpan<int> Lookup(ushort port) => _lists[Segment(port)];

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
