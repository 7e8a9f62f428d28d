using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>The records of peer changes applied by a reload, and of the operator's <c>terminate</c> (4300s).</summary>
internal static partial class HostLog
{
    [LoggerMessage(4300, LogLevel.Information, "Reload: peer {Peer} removed ({Sas} SAs deleted, routes {Routes} removed)")]
    public static partial void PeerRemoved(ILogger logger, string peer, int sas, string routes);

    [LoggerMessage(4301, LogLevel.Information, "Reload: peer {Peer} added (startAction {StartAction})")]
    public static partial void PeerAdded(ILogger logger, string peer, string startAction);

    [LoggerMessage(4302, LogLevel.Warning, "Reload: peer {Peer} changes {What}, which takes effect at the next start; the peer keeps running as it was")]
    public static partial void PeerNeedsRestart(ILogger logger, string peer, string what);

    [LoggerMessage(4303, LogLevel.Warning, "Reload: routing {Prefix} through {Device}: {Error}")]
    public static partial void PeerRouteFailed(ILogger logger, string prefix, string device, string error);

    [LoggerMessage(4304, LogLevel.Information, "Reload: peers applied: {Summary}")]
    public static partial void PeersApplied(ILogger logger, string summary);

    [LoggerMessage(4305, LogLevel.Information, "Terminate requested for peer {Peer} ({What}): {Count} SAs deleted")]
    public static partial void Terminated(ILogger logger, string peer, string what, int count);
}
