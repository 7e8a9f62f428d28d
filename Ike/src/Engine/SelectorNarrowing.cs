using System.Net;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Engine;

/// <summary>Traffic selector intersection (RFC 7296 2.9): what both the proposal and the allowed set contain.</summary>
public static class SelectorNarrowing
{
    /// <summary>Every non-empty intersection of a proposed selector with an allowed one.</summary>
    public static IReadOnlyList<TrafficSelector> Intersect(IReadOnlyList<TrafficSelector> proposed, IReadOnlyList<TrafficSelector> allowed)
    {
        ArgumentNullException.ThrowIfNull(proposed);
        ArgumentNullException.ThrowIfNull(allowed);
        var result = new List<TrafficSelector>();
        foreach (TrafficSelector p in proposed)
        {
            foreach (TrafficSelector a in allowed)
            {
                if (TryIntersect(p, a, out TrafficSelector? both) && !result.Contains(both))
                {
                    result.Add(both);
                }
            }
        }

        return result;
    }

    /// <summary>The intersection of two selectors, if any.</summary>
    public static bool TryIntersect(TrafficSelector x, TrafficSelector y, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TrafficSelector? both)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        both = null;
        if (x.TsType != y.TsType || (x.IpProtocol != 0 && y.IpProtocol != 0 && x.IpProtocol != y.IpProtocol))
        {
            return false;
        }

        ushort startPort = Math.Max(x.StartPort, y.StartPort), endPort = Math.Min(x.EndPort, y.EndPort);
        UInt128 start = Max(AddressNumber.Of(x.StartAddress), AddressNumber.Of(y.StartAddress)), end = Min(AddressNumber.Of(x.EndAddress), AddressNumber.Of(y.EndAddress));
        if (startPort > endPort || start > end)
        {
            return false;
        }

        bool v4 = x.TsType == TsType.Ipv4AddressRange;
        both = new TrafficSelector(x.TsType, x.IpProtocol != 0 ? x.IpProtocol : y.IpProtocol, startPort, endPort, AddressNumber.ToAddress(start, v4), AddressNumber.ToAddress(end, v4));
        return true;
    }

    private static UInt128 Max(UInt128 a, UInt128 b) => a > b ? a : b;

    private static UInt128 Min(UInt128 a, UInt128 b) => a < b ? a : b;
}
