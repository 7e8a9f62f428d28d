using System.Globalization;
using System.Net;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Nftables;

/// <summary>
/// One side of a rule as nftables sets: any address, or the IPv4 and IPv6 parts of an <see cref="AddressSet"/> written
/// as anonymous sets (<c>{ 192.0.2.123, 198.18.0.0/24, 198.18.1.1-198.18.1.9 }</c>), each null when the set has no
/// address of that family. Ranges are split where the IPv4-mapped block (<c>::ffff:0:0/96</c>, how the SPD holds IPv4)
/// begins and ends: the part inside is IPv4, the rest IPv6, as the SPD's decisions see them.
/// </summary>
internal sealed class AddressMatch
{
    private static readonly UInt128 s_v4First = IpAddressCodec.FromIPv4(0), s_v4Last = IpAddressCodec.FromIPv4(uint.MaxValue);

    private AddressMatch(bool any, string? v4, string? v6)
    {
        IsAny = any;
        V4 = v4;
        V6 = v6;
    }

    /// <summary>No constraint: every address of both families.</summary>
    public static AddressMatch Any { get; } = new(true, null, null);

    /// <summary>True for <see cref="Any"/>.</summary>
    public bool IsAny { get; }

    /// <summary>The IPv4 set, or null.</summary>
    public string? V4 { get; }

    /// <summary>The IPv6 set, or null.</summary>
    public string? V6 { get; }

    /// <summary>The set of one family (null for none, or for <see cref="Any"/>).</summary>
    public string? For(Family family) => family == Family.V4 ? V4 : V6;

    /// <summary>The two families of a set (an empty set matches nothing: both null).</summary>
    public static AddressMatch From(AddressSet set)
    {
        var v4 = new List<string>();
        var v6 = new List<string>();
        foreach (AddressRange r in set.Ranges)
        {
            if (r.First < s_v4First)
            {
                v6.Add(V6Element(r.First, UInt128.Min(r.Last, s_v4First - 1)));
            }

            if (r.Last >= s_v4First && r.First <= s_v4Last)
            {
                uint first = (uint)(UInt128.Max(r.First, s_v4First) - s_v4First), last = (uint)(UInt128.Min(r.Last, s_v4Last) - s_v4First);
                v4.Add(V4Element(first, last));
            }

            if (r.Last > s_v4Last)
            {
                v6.Add(V6Element(UInt128.Max(r.First, s_v4Last + 1), r.Last));
            }
        }

        return new AddressMatch(false, Set(v4), Set(v6));
    }

    private static string? Set(List<string> elements) => elements.Count == 0 ? null : "{ " + string.Join(", ", elements) + " }";

    private static string V4Element(uint first, uint last)
    {
        string a = new IPAddress([(byte)(first >> 24), (byte)(first >> 16), (byte)(first >> 8), (byte)first]).ToString();
        if (first == last)
        {
            return a;
        }

        int length = PrefixLength(first, last, 32);
        return length >= 0
            ? a + "/" + length.ToString(CultureInfo.InvariantCulture)
            : a + "-" + new IPAddress([(byte)(last >> 24), (byte)(last >> 16), (byte)(last >> 8), (byte)last]);
    }

    private static string V6Element(UInt128 first, UInt128 last)
    {
        string a = V6Text(first);
        if (first == last)
        {
            return a;
        }

        int length = PrefixLength(first, last, 128);
        return length >= 0 ? a + "/" + length.ToString(CultureInfo.InvariantCulture) : a + "-" + V6Text(last);
    }

    private static string V6Text(UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes).ToString();
    }

    /// <summary>The prefix length when [first, last] is exactly one prefix, else -1.</summary>
    private static int PrefixLength<T>(T first, T last, int bits)
        where T : System.Numerics.IBinaryInteger<T>, System.Numerics.IUnsignedNumber<T>
    {
        T hostMask = first ^ last;
        // A prefix: the differing bits are a run of low ones, first has them all clear and last all set.
        if ((hostMask & (hostMask + T.One)) != T.Zero || (first & hostMask) != T.Zero || (last & hostMask) != hostMask)
        {
            return -1;
        }

        return bits - int.CreateTruncating(T.PopCount(hostMask));
    }
}
