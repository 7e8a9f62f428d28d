namespace IpsecFw.Spd.Runtime;

/// <summary>
/// Rules indexed by the addresses of one of their groups: the address space is cut into elementary intervals at every
/// range boundary, and each interval keeps, in file order, the rules whose addresses cover all of it. A look-up is one
/// binary search and returns exactly the rules whose addresses contain the address. Immutable; look-ups allocate nothing.
/// <para>
/// The cost of the index is the sum, over the rules' ranges, of the intervals each range spans: small when ranges
/// are host addresses or disjoint prefixes (the common case), quadratic when many wide ranges overlap. <see cref="TryBuild"/>
/// gives up (returns null) beyond a budget, and callers then walk their rules one by one, as without an index.
/// </para>
/// </summary>
internal sealed class AddressRuleIndex
{
    private readonly UInt128[] _starts;
    private readonly int[][] _lists;

    private AddressRuleIndex(UInt128[] starts, int[][] lists)
    {
        _starts = starts;
        _lists = lists;
    }

    /// <summary>
    /// Indexes <paramref name="entries"/> (a rule and its addresses, in ascending rule order). Null when the index would
    /// hold more than <paramref name="budget"/> list entries.
    /// </summary>
    public static AddressRuleIndex? TryBuild(IReadOnlyList<(int Rule, AddressSet Addresses)> entries, long budget)
    {
        var points = new List<UInt128>(entries.Count * 2 + 1) { UInt128.Zero };
        foreach ((_, AddressSet set) in entries)
        {
            foreach (AddressRange r in set.Ranges)
            {
                points.Add(r.First);
                if (r.Last < UInt128.MaxValue)
                {
                    points.Add(r.Last + 1);
                }
            }
        }

        points.Sort();
        UInt128[] starts = Unique(points);
        var lists = new List<int>?[starts.Length];
        long used = 0;
        foreach ((int rule, AddressSet set) in entries)
        {
            foreach (AddressRange r in set.Ranges)
            {
                for (int seg = Segment(starts, r.First); seg < starts.Length && starts[seg] <= r.Last; seg++)
                {
                    List<int> list = lists[seg] ??= [];
                    if (list.Count == 0 || list[^1] != rule)
                    {
                        list.Add(rule);
                        if (++used > budget)
                        {
                            return null;
                        }
                    }
                }
            }
        }

        return new AddressRuleIndex(starts, [.. lists.Select(l => l is null ? [] : l.ToArray())]);
    }

    /// <summary>The rules (ascending) whose addresses contain <paramref name="address"/>.</summary>
    public ReadOnlySpan<int> Lookup(UInt128 address) => _lists[Segment(_starts, address)];

    /// <summary>The same list as <see cref="Lookup"/>, as the index's own array (never to be written).</summary>
    public int[] LookupArray(UInt128 address) => _lists[Segment(_starts, address)];

    private static UInt128[] Unique(List<UInt128> sorted)
    {
        var unique = new List<UInt128>(sorted.Count);
        foreach (UInt128 p in sorted)
        {
            if (unique.Count == 0 || unique[^1] != p)
            {
                unique.Add(p);
            }
        }

        return [.. unique];
    }

    private static int Segment(UInt128[] starts, UInt128 address)
    {
        int lo = 0, hi = starts.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= address)
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
