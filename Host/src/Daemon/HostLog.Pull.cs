using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>The records of bundle pulls (2200s): every fetch's outcome, with its reason; never a URL's query.</summary>
internal static partial class HostLog
{
    [LoggerMessage(2200, LogLevel.Debug, "Policy pull from {Location}: not modified")]
    public static partial void PullNotModified(ILogger logger, string location);

    [LoggerMessage(2201, LogLevel.Information, "Policy pull from {Location}: bundle version {Version} applied ({Bytes} bytes)")]
    public static partial void PullApplied(ILogger logger, string location, long version, int bytes);

    [LoggerMessage(2202, LogLevel.Debug, "Policy pull from {Location}: the bundle served is the one running")]
    public static partial void PullUnchanged(ILogger logger, string location);

    [LoggerMessage(2203, LogLevel.Warning, "Policy pull from {Location}: bundle refused ({Reason}): {Message}")]
    public static partial void PullRefused(ILogger logger, string location, string reason, string message);

    [LoggerMessage(2204, LogLevel.Warning, "Policy pull failed, the running policy stays: {Error}")]
    public static partial void PullFailed(ILogger logger, string error);

    [LoggerMessage(2205, LogLevel.Information, "Policy pull from {Location} every {IntervalSeconds} s (varied by up to 20%)")]
    public static partial void PullStarted(ILogger logger, string location, int intervalSeconds);
}
