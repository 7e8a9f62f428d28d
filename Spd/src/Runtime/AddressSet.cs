namespace IpsecFw.Spd.Runtime;

/// <summary>
/// An immutable set of addresses kept as sorted, disjoint, non-adjacent ranges; <see cref="Contains"/> is a binary
/// search and allocates nothing. Safe for concurrent readers.
/// </summary>
public sealed class AddressSet
{
    private readonly AddressRange[] _ranges;

    /// <summary>The empty set.</summary>
    public static AddressSet Empty { get; } = new([]);

    private AddressSet(AddressRange[] normalised) => _ranges = normalised;

    /// <summary>Builds a set from ranges in any order, merging overlaps.</summary>
    public static AddressSet Create(IEnumerable<AddressRange> ranges)
    {
        var sorted = ranges.OrderBy(r => r.First).ToList();
        var merged = new List<AddressRange>(sorted.Count);
        foreach (AddressRange r in sorted)
        {
            if (merged.Count > 0)
            {
                AddressRange last = merged[^1];
                if (last.Last == UInt128.MaxValue || r.First <= last.Last + 1)
                {
                    merged[^1] = last with { Last = UInt128.Max(last.Last, r.Last) };
                    continue;
                }
            }

            merged.Add(r);
        }

        return merged.Count == 0 ? Empty : new AddressSet([.. merged]);
    }

    /// <summary>The ranges, sorted and disjoint.</summary>
    public ReadOnlySpan<AddressRange> Ranges => _ranges;

    /// <summary>True when the set has no address.</summary>
    public bool IsEmpty => _ranges.Length == 0;

    /// <summary>True when <paramref name="address"/> is in the set.</summary>
    public bool Contains(UInt128 address)
    {
        int lo = 0, hi = _ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            ref readonly AddressRange r = ref _ranges[mid];
            if (address < r.First)
            {
                hi = mid - 1;
            }
            else if (address > r.Last)
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when every address of <paramref name="other"/> is also in this set.</summary>
    public bool ContainsAll(AddressSet other)
    {
        foreach (AddressRange r in other._ranges)
        {
            // The ranges are merged, so r is covered only if one range of ours holds both ends.
            int i = IndexOf(r.First);
            if (i < 0 || _ranges[i].Last < r.Last)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the two sets share at least one address.</summary>
    public bool Overlaps(AddressSet other)
    {
        int i = 0, j = 0;
        while (i < _ranges.Length && j < other._ranges.Length)
        {
            AddressRange a = _ranges[i], b = other._ranges[j];
            if (a.Last < b.First)
            {
                i++;
            }
            else if (b.Last < a.First)
            {
                j++;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    private int IndexOf(UInt128 address)
    {
        int lo = 0, hi = _ranges.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (address < _ranges[mid].First)
            {
                hi = mid - 1;
            }
            else if (address > _ranges[mid].Last)
            {
                lo = mid + 1;
            }
            else
            {
                return mid;
            }
        }

        return -1;
    }
}
