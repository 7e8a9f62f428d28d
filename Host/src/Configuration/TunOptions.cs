namespace IpsecFw.Host.Configuration;

/// <summary>The TUN device protected traffic enters and leaves through.</summary>
public sealed class TunOptions
{
    /// <summary>The interface name (at most 15 bytes).</summary>
    public string Name { get; set; } = "ipsecfw0";

    /// <summary>The MTU, 576 to 9000 (IPv6 needs at least 1280 on the device).</summary>
    public int Mtu { get; set; } = 1400;

    /// <summary>Addresses with prefix length, e.g. <c>198.18.10.1/24</c>.</summary>
    public IReadOnlyList<string> Addresses { get; set; } = [];

    /// <summary>
    /// The routing table that holds the routes of peers with <c>protectPeerAddress</c> into the device, looked up by
    /// an <c>ip rule</c> for every packet without <see cref="Fwmark"/>.
    /// </summary>
    public int RouteTable { get; set; } = DefaultRouteTable;

    /// <summary>The firewall mark on the daemon's IKE and ESP sockets, whose packets skip <see cref="RouteTable"/>.</summary>
    public long Fwmark { get; set; } = DefaultRouteTable;

    /// <summary>
    /// Opens the device with <c>IFF_VNET_HDR</c> and TSO/checksum offloads: the kernel's TCP hands over up to 64 KB per
    /// read, split into segments by the daemon, and consecutive TCP segments written to the device are merged (GRO).
    /// On by default: in the same benchmark runs it gave 3-4x the throughput of the plain device at half the CPU per
    /// byte (docs/performance.md). A kernel that refuses the offloads gets a plain device (logged).
    /// </summary>
    public bool Offload { get; set; } = true;

    /// <summary>The default of <see cref="RouteTable"/> and <see cref="Fwmark"/>.</summary>
    public const int DefaultRouteTable = 4500;
}
