namespace IpsecFw.Host.Configuration;

/// <summary>One syslog collector that intrusion-detection events are forwarded to (<see cref="EventsOptions.Syslog"/>).</summary>
public sealed class SyslogTargetOptions
{
    /// <summary>The port of syslog over TLS (RFC 5425 4.1).</summary>
    public const int TlsPort = 6514;

    /// <summary>The collector's IP address.</summary>
    public required string Address { get; set; }

    /// <summary>The collector's port; default 514 for UDP and TCP (as rsyslog listens), 6514 for TLS (<see cref="EffectivePort"/>).</summary>
    public int? Port { get; set; }

    /// <summary>
    /// <c>udp</c> (RFC 5426: one message per datagram), <c>tcp</c> (RFC 6587 octet counting, reconnecting with back-off)
    /// or <c>tls</c> (RFC 5425: the same octet counting inside TLS).
    /// </summary>
    public string Protocol { get; set; } = "udp";

    /// <summary>The facility of the PRI (RFC 5424 6.2.1): <c>kern</c>, <c>user</c>, ... <c>local0</c> to <c>local7</c>.</summary>
    public string Facility { get; set; } = "authpriv";

    /// <summary>
    /// <c>tls</c>: the CA certificates (PEM or DER files) the collector's certificate must chain to; empty: the system's
    /// trust store.
    /// </summary>
    public IReadOnlyList<string> CaCertificates { get; set; } = [];

    /// <summary><c>tls</c>: the name the collector's certificate must carry (a DNS or IP subjectAltName); default the address.</summary>
    public string? ServerName { get; set; }

    /// <summary><c>tls</c>: this host's certificate (PEM), for a collector that asks for one; with <see cref="ClientKey"/>.</summary>
    public string? ClientCertificate { get; set; }

    /// <summary><c>tls</c>: the private key (PEM, PKCS#8 or SEC1/PKCS#1) of <see cref="ClientCertificate"/>.</summary>
    public string? ClientKey { get; set; }

    /// <summary>The port in effect: <see cref="Port"/>, or the protocol's default.</summary>
    public int EffectivePort => Port ?? (Protocol == "tls" ? TlsPort : 514);
}
