namespace IpsecFw.Spd.Runtime;

/// <summary>
/// The groups an authenticated identity satisfies, as a bitset over one snapshot's groups; computed once (at IKE_AUTH)
/// by <see cref="PolicySnapshot.AuthorizePeer"/> and kept on the IKE SA and its CHILD_SAs. A grant belongs to the
/// snapshot that made it: another snapshot treats it as no identity (recompute grants on reload). Immutable.
/// </summary>
public sealed class PeerGrant
{
    private readonly ulong[] _bits;

    internal PeerGrant(object owner, ulong[] bits)
    {
        Owner = owner;
        _bits = bits;
        var groups = new List<int>();
        for (int w = 0; w < bits.Length; w++)
        {
            for (ulong b = bits[w]; b != 0; b &= b - 1)
            {
                groups.Add((w << 6) + System.Numerics.BitOperations.TrailingZeroCount(b));
            }
        }

        Groups = [.. groups];
    }

    /// <summary>The indices of the groups the identity satisfies, ascending.</summary>
    internal int[] Groups { get; }

    internal object Owner { get; }

    /// <summary>True when the identity satisfies no group: IKE may refuse the SA.</summary>
    public bool IsEmpty => Array.TrueForAll(_bits, b => b == 0);

    /// <summary>True when the identity is in the group with this index.</summary>
    public bool Contains(int group) =>
        (uint)(group >> 6) < (uint)_bits.Length && (_bits[group >> 6] & (1UL << group)) != 0;
}
