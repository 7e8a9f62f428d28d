using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Log records of the per-packet policy (<see cref="SpdPacketFilter"/>), event ids 5000s. Flows, peers and rules only:
/// never keys.
/// </summary>
internal static partial class EnforcementLog
{
    [LoggerMessage(5000, LogLevel.Warning,
        "Policy denied {Direction} {Protocol} {Source}:{SourcePort} -> {Destination}:{DestinationPort} on SA {Spi} (peer {Peer}): {Rule}")]
    public static partial void Denied(ILogger logger, string direction, string protocol, string source, int sourcePort,
        string destination, int destinationPort, string spi, string peer, string rule);

    [LoggerMessage(5001, LogLevel.Warning, "{Suppressed} more policy denials in the last second were not logged")]
    public static partial void DenialsSuppressed(ILogger logger, long suppressed);

    [LoggerMessage(5002, LogLevel.Information, "Policy version {Version} enforced on the data path: {Sas} SAs re-authorised, {Kept} live connections kept, {Cut} cut")]
    public static partial void Applied(ILogger logger, long version, int sas, int kept, int cut);

    [LoggerMessage(5003, LogLevel.Warning,
        "Connection cut by policy version {Version}: {Direction} {Protocol} {Source}:{SourcePort} -> {Destination}:{DestinationPort} on SA {Spi}: {Rule}")]
    public static partial void Cut(ILogger logger, long version, string direction, string protocol, string source, int sourcePort,
        string destination, int destinationPort, string spi, string rule);

    [LoggerMessage(5004, LogLevel.Warning,
        "Policy denied {Direction} {Protocol} {Source}:{SourcePort} -> {Destination}:{DestinationPort} on SA {Spi} (peer {Peer}) for its program: local program {Program} (look-up: {Lookup}); {Why}")]
    public static partial void ProcessDenied(ILogger logger, string direction, string protocol, string source, int sourcePort,
        string destination, int destinationPort, string spi, string peer, string program, string lookup, string why);

    [LoggerMessage(5005, LogLevel.Information, "Asking peer {Peer} for a CHILD_SA dedicated to {Program} (keyed rule {Rule})")]
    public static partial void DedicatedRequested(ILogger logger, string peer, string program, int rule);

    [LoggerMessage(5006, LogLevel.Information, "CHILD_SA {InboundSpi}/{OutboundSpi} with peer {Peer} is dedicated to {Program}")]
    public static partial void DedicatedUp(ILogger logger, string inboundSpi, string outboundSpi, string peer, string program);
}
