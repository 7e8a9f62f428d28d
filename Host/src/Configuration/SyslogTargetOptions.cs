namespace IpsecFw.Host.Configuration;

/// <summary>One syslog collector that intrusion-detection events are forwarded to (<see cref="EventsOptions.Syslog"/>).</summary>
public sealed class SyslogTargetOptions
{
    /// <summary>The collector's IP address.</summary>
    public required string Address { get; set; }

    /// <summary>The collector's port (514 for UDP and for TCP, as rsyslog listens by default).</summary>
    public int Port { get; set; } = 514;

    /// <summary><c>udp</c> (RFC 5426: one message per datagram) or <c>tcp</c> (RFC 6587 octet counting, reconnecting with back-off).</summary>
    public string Protocol { get; set; } = "udp";

    /// <summary>The facility of the PRI (RFC 5424 6.2.1): <c>kern</c>, <c>user</c>, ... <c>local0</c> to <c>local7</c>.</summary>
    public string Facility { get; set; } = "authpriv";
}
