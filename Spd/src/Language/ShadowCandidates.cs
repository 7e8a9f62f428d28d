using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Language;

/// <summary>
/// For the shadowing analysis: the rules whose group on one side (source or destination) could cover a later rule's
/// group on that side, found without walking every earlier rule. An earlier group covers a later one when it is
/// <c>*</c>, the same group, a union naming it, or (for a pure address group) an address group holding all its
/// addresses (<c>PolicyBinder.GroupCovers</c>). So the candidates for a later group <c>g</c> are: the rules with <c>*</c>;
/// the rules whose group is <c>g</c> or names <c>g</c>; and, when <c>g</c> is a pure address group, the rules whose
/// addresses contain its first address. The lists are a superset of the covering rules, ascending. Immutable.
/// </summary>
internal sealed class ShadowCandidates
{
    private readonly int[] _any;
    private readonly Dictionary<int, int[]> _byGroup;
    private readonly AddressRuleIndex? _addresses;
    private readonly bool _addressIndexFailed;

    public ShadowCandidates(IReadOnlyList<CompiledRule> rules, IReadOnlyList<CompiledGroup> groups, Func<CompiledRule, int> side)
    {
        var any = new List<int>();
        var byGroup = new Dictionary<int, List<int>>();
        var addressed = new List<(int, AddressSet)>();
        foreach (CompiledRule r in rules)
        {
            int g = side(r);
            if (g < 0)
            {
                any.Add(r.Index);
                continue;
            }

            Add(byGroup, g, r.Index);
            foreach (int member in groups[g].Members)
            {
                Add(byGroup, member, r.Index);
            }

            if (!groups[g].Addresses.IsEmpty)
            {
                addressed.Add((r.Index, groups[g].Addresses));
            }
        }

        _any = [.. any];
        _byGroup = byGroup.ToDictionary(p => p.Key, p => p.Value.ToArray());
        if (addressed.Count > 0)
        {
            _addresses = AddressRuleIndex.TryBuild(addressed, 8L * rules.Count + 1024);
            _addressIndexFailed = _addresses is null;
        }

        static void Add(Dictionary<int, List<int>> map, int key, int rule)
        {
            if (!map.TryGetValue(key, out List<int>? list))
            {
                map[key] = list = [];
            }

            if (list.Count == 0 || list[^1] != rule)
            {
                list.Add(rule);
            }
        }
    }

    /// <summary>
    /// The candidate lists for a later rule whose group on this side is <paramref name="group"/> (-1 for <c>*</c>), and
    /// how many of their entries lie before <paramref name="before"/>; false when this side cannot narrow it (the
    /// address index was over its budget).
    /// </summary>
    public bool TryGet(int group, IReadOnlyList<CompiledGroup> groups, int before, out int[][] lists, out int count)
    {
        if (group < 0)
        {
            lists = [_any];
        }
        else
        {
            CompiledGroup g = groups[group];
            bool pureAddress = g.Identities.Count == 0 && !g.Addresses.IsEmpty;
            if (pureAddress && _addressIndexFailed)
            {
                lists = [];
                count = int.MaxValue;
                return false;
            }

            int[] same = _byGroup.TryGetValue(group, out int[]? l) ? l : [];
            int[] byAddress = pureAddress && _addresses is not null ? _addresses.LookupArray(g.Addresses.Ranges[0].First) : [];
            lists = [_any, same, byAddress];
        }

        count = 0;
        foreach (int[] list in lists)
        {
            count += Below(list, before);
        }

        return true;
    }

    /// <summary>How many entries of an ascending list are below <paramref name="value"/>.</summary>
    public static int Below(ReadOnlySpan<int> list, int value)
    {
        int i = list.BinarySearch(value);
        return i >= 0 ? i : ~i;
    }
}
