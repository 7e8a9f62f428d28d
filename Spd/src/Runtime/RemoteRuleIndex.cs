namespace IpsecFw.Spd.Runtime;

/// <summary>
/// The candidates of one protocol/port segment split by the peer's side of each rule, so that a decision among many
/// rules of one service does not walk them all: <see cref="Any"/> (the remote side is <c>*</c>), the rules whose remote
/// group's addresses contain the peer's address (<see cref="ByAddress"/>), and the rules whose remote group the peer's
/// certificate satisfies (<see cref="ByGroup"/>, looked up per group of its <see cref="PeerGrant"/>). Each list is in
/// file order, and together they hold exactly the candidates whose remote side holds the peer; the first of them whose
/// local side holds this host decides, as in the plain walk. Immutable; look-ups allocate nothing.
/// </summary>
internal sealed class RemoteRuleIndex
{
    /// <summary>Lists shorter than this are walked; an index does not pay for them.</summary>
    public const int MinimumCandidates = 16;

    private readonly AddressRuleIndex? _addresses;
    private readonly Dictionary<int, int[]> _byGroup;

    private RemoteRuleIndex(int[] any, AddressRuleIndex? addresses, Dictionary<int, int[]> byGroup, int[] withIdentities)
    {
        Any = any;
        WithIdentities = withIdentities;
        _addresses = addresses;
        _byGroup = byGroup;
    }

    /// <summary>The candidates whose remote side is <c>*</c>.</summary>
    public int[] Any { get; }

    /// <summary>The candidates whose remote group has an x509 part, whatever the group (outbound PROTECT decisions).</summary>
    public int[] WithIdentities { get; }

    /// <summary>
    /// Splits <paramref name="candidates"/> (rule indices, ascending) by the remote group that <paramref name="remoteGroup"/>
    /// picks from each rule. Null when the address part would exceed its budget (eight entries per candidate).
    /// </summary>
    public static RemoteRuleIndex? TryBuild(ReadOnlySpan<int> candidates, IReadOnlyDictionary<int, CompiledRule> rules,
        IReadOnlyList<CompiledGroup> groups, Func<CompiledRule, int> remoteGroup)
    {
        var any = new List<int>();
        var addressed = new List<(int, AddressSet)>();
        var byGroup = new Dictionary<int, List<int>>();
        var withIdentities = new List<int>();
        foreach (int i in candidates)
        {
            int g = remoteGroup(rules[i]);
            if (g < 0)
            {
                any.Add(i);
                continue;
            }

            CompiledGroup group = groups[g];
            if (!group.Addresses.IsEmpty)
            {
                addressed.Add((i, group.Addresses));
            }

            if (group.Identities.Count > 0)
            {
                withIdentities.Add(i);
                if (!byGroup.TryGetValue(g, out List<int>? list))
                {
                    byGroup[g] = list = [];
                }

                list.Add(i);
            }
        }

        AddressRuleIndex? addresses = null;
        if (addressed.Count > 0)
        {
            addresses = AddressRuleIndex.TryBuild(addressed, 8L * candidates.Length + 1024);
            if (addresses is null)
            {
                return null;
            }
        }

        return new RemoteRuleIndex([.. any], addresses, byGroup.ToDictionary(p => p.Key, p => p.Value.ToArray()),
            [.. withIdentities]);
    }

    /// <summary>The candidates whose remote group's addresses contain <paramref name="address"/>.</summary>
    public ReadOnlySpan<int> ByAddress(UInt128 address) => _addresses is null ? [] : _addresses.Lookup(address);

    /// <summary>The candidates whose remote group is <paramref name="group"/> (a group with an x509 part).</summary>
    public ReadOnlySpan<int> ByGroup(int group) => _byGroup.TryGetValue(group, out int[]? list) ? list : [];

    /// <summary>True when some candidate's remote group has an x509 part (a peer's grant can matter).</summary>
    public bool HasGroups => _byGroup.Count > 0;
}
