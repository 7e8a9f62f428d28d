using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>The nftables firewall's log records, with stable event ids (5000s).</summary>
internal static partial class FirewallLog
{
    [LoggerMessage(5000, LogLevel.Information, "nftables table {Table} installed for policy version {Version} ({Lines} lines)")]
    public static partial void Applied(ILogger logger, string table, long version, int lines);

    [LoggerMessage(5001, LogLevel.Error, "nftables refused the table {Table} for policy version {Version}; the previous table stays: {Error}")]
    public static partial void ApplyFailed(ILogger logger, string table, long version, string error);

    [LoggerMessage(5002, LogLevel.Information, "nftables table {Table} removed")]
    public static partial void Removed(ILogger logger, string table);

    [LoggerMessage(5003, LogLevel.Warning, "Cannot remove the nftables table {Table}: {Error}")]
    public static partial void RemoveFailed(ILogger logger, string table, string error);

    [LoggerMessage(5004, LogLevel.Warning, "firewall.nftables is false: traffic in clear is not filtered by this daemon")]
    public static partial void Disabled(ILogger logger);

    [LoggerMessage(5005, LogLevel.Debug, "Cannot read the nftables counters: {Error}")]
    public static partial void CountersUnreadable(ILogger logger, string error);
}
