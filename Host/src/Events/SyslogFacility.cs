namespace IpsecFw.Host.Events;

/// <summary>The syslog facilities by the names rsyslog and syslog.conf use, with their codes (RFC 5424 6.2.1, table 1).</summary>
public static class SyslogFacility
{
    private static readonly string[] s_names =
    [
        "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp",
        "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
    ];

    /// <summary>Every accepted name, code order.</summary>
    public static IReadOnlyList<string> Names => s_names;

    /// <summary>The facility code (0 to 23) of <paramref name="name"/>.</summary>
    public static bool TryParse(string? name, out int code)
    {
        code = Array.IndexOf(s_names, name);
        return code >= 0;
    }
}
