using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>The records of on-demand SAs (acquires) and of the routing that protects the peers' own addresses (4200s).</summary>
internal static partial class HostLog
{
    [LoggerMessage(4200, LogLevel.Information, "Peer {Peer} is trapped: traffic to {Destinations} with no SA starts IKE")]
    public static partial void Trapped(ILogger logger, string peer, string destinations);

    [LoggerMessage(4201, LogLevel.Information, "Acquire for peer {Peer}: traffic needs an SA, negotiating")]
    public static partial void Acquire(ILogger logger, string peer);

    [LoggerMessage(4202, LogLevel.Information, "Peer {Peer}: CHILD_SA installed, {Count} held packets sent")]
    public static partial void AcquireReleased(ILogger logger, string peer, int count);

    [LoggerMessage(4203, LogLevel.Warning, "Peer {Peer}: {Count} held packets dropped ({Reason})")]
    public static partial void AcquireDropped(ILogger logger, string peer, int count, string reason);

    [LoggerMessage(4204, LogLevel.Information, "Traffic to the peers' own addresses {Addresses} goes through {Device} (table {Table}, rule 'not fwmark {Mark}'; IKE and ESP sockets marked {Mark})")]
    public static partial void HostAddressesProtected(ILogger logger, string addresses, string device, int table, uint mark);

    [LoggerMessage(4205, LogLevel.Warning, "Removing the routing of the peers' own addresses: {Error}")]
    public static partial void HostRoutingRemoveFailed(ILogger logger, string error);

    [LoggerMessage(4206, LogLevel.Information, "Removed {Count} policy-routing rules left by an earlier run (table {Table})")]
    public static partial void HostRoutingLeftovers(ILogger logger, int count, int table);

    [LoggerMessage(4207, LogLevel.Information, "Acquire for peer {Peer}: IKE SA {Spi:x16} is up without a CHILD_SA for the traffic, creating one (CREATE_CHILD_SA)")]
    public static partial void AcquireChild(ILogger logger, string peer, ulong spi);
}
