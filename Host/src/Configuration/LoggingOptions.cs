using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Configuration;

/// <summary>Logging (to standard error, one line per record, which journald stores as is).</summary>
public sealed class LoggingOptions
{
    /// <summary>The minimum level: trace, debug, information, warning, error, critical or none.</summary>
    public LogLevel Level { get; set; } = LogLevel.Information;
}
