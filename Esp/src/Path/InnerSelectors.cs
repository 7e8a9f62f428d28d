using System.Net;

namespace IpsecFw.Esp.DataPath;

/// <summary>
/// The inner addresses a tunnel-mode SA may carry (a minimal form of the CHILD_SA's traffic selectors): which inner
/// sources the peer may send from, and which inner destinations on our side it may reach. The inbound loop checks each
/// decrypted packet against them (RFC 4301 5.2: an inbound packet must match the selectors of the SA it arrived on).
/// </summary>
/// <remarks>Immutable; safe for concurrent use.</remarks>
public sealed class InnerSelectors
{
    private readonly InnerPrefix[] _remote;
    private readonly InnerPrefix[] _local;

    /// <summary>Creates selectors from the peer's (remote) and our (local) inner prefixes.</summary>
    public InnerSelectors(IEnumerable<IPNetwork> remote, IEnumerable<IPNetwork> local)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(local);
        _remote = [.. remote.Select(InnerPrefix.From)];
        _local = [.. local.Select(InnerPrefix.From)];
    }

    /// <summary>Selectors from prefix strings such as <c>198.19.16.0/20</c> or <c>2001:db8::/32</c>.</summary>
    public static InnerSelectors Parse(IEnumerable<string> remote, IEnumerable<string> local) =>
        new(remote.Select(IPNetwork.Parse), local.Select(IPNetwork.Parse));

    /// <summary>
    /// True when an inbound inner packet's source lies in a remote prefix and its destination in a local prefix.
    /// False for anything that is not an IPv4 or IPv6 packet.
    /// </summary>
    public bool AllowsInbound(ReadOnlySpan<byte> packet) =>
        InnerPacket.TryGetAddresses(packet, out ReadOnlySpan<byte> source, out ReadOnlySpan<byte> destination, out _) &&
        AnyContains(_remote, source) && AnyContains(_local, destination);

    private static bool AnyContains(InnerPrefix[] prefixes, ReadOnlySpan<byte> address)
    {
        foreach (InnerPrefix prefix in prefixes)
        {
            if (prefix.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
