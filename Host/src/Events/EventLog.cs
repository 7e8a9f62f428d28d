using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Events;

/// <summary>Log records of the intrusion-detection event pipeline, event ids 5100s. Addresses and paths only.</summary>
internal static partial class EventLog
{
    [LoggerMessage(5100, LogLevel.Information, "Intrusion-detection events: {Sinks}; at most {PerSource}/s per remote address, {Total}/s in all")]
    public static partial void Started(ILogger logger, string sinks, int perSource, int total);

    [LoggerMessage(5101, LogLevel.Warning, "Intrusion-detection events cannot be written to {Path}: {Error} (counted; retried at the next event)")]
    public static partial void FileFailed(ILogger logger, string path, string error);

    [LoggerMessage(5102, LogLevel.Warning, "Syslog collector {Target} ({Protocol}) unreachable: {Error}; retrying in {Seconds} s")]
    public static partial void SyslogFailed(ILogger logger, string target, string protocol, string error, double seconds);

    [LoggerMessage(5103, LogLevel.Information, "Syslog collector {Target} (tcp) connected")]
    public static partial void SyslogConnected(ILogger logger, string target);

    [LoggerMessage(5104, LogLevel.Warning, "{Dropped} intrusion-detection events were dropped: the queue from the packet path was full")]
    public static partial void QueueFull(ILogger logger, long dropped);

    [LoggerMessage(5105, LogLevel.Information, "NFLOG group {Group} bound: the kernel's nftables drops in clear are events")]
    public static partial void NflogBound(ILogger logger, int group);

    [LoggerMessage(5106, LogLevel.Warning, "NFLOG group {Group} cannot be bound ({Error}): the kernel's nftables drops in clear are not events (only counted by nftables)")]
    public static partial void NflogBindFailed(ILogger logger, int group, string error);

    [LoggerMessage(5107, LogLevel.Warning, "Reading NFLOG group {Group} failed (errno {Errno}); counted, retrying")]
    public static partial void NflogReceiveFailed(ILogger logger, int group, int errno);

    [LoggerMessage(5108, LogLevel.Information, "Syslog collector {Target} (tls) connected, {Protocol}")]
    public static partial void SyslogTlsConnected(ILogger logger, string target, string protocol);
}
