namespace IpsecFw.Host.Configuration;

/// <summary>
/// Intrusion-detection events (<c>docs/configuration.md</c>, "events"): every connection attempt the policy denies, and
/// every IKE peer refused at IKE_AUTH, becomes a structured record, rate-limited per remote address and in total,
/// written as JSON lines to <see cref="File"/> and sent to each collector in <see cref="Syslog"/> (RFC 5424). Absent:
/// no events are recorded (the rate-limited log lines of denials remain).
/// </summary>
public sealed class EventsOptions
{
    /// <summary>The JSON-lines file (appended to; reopened on SIGHUP and <c>reload</c>, so logrotate can move it).</summary>
    public string? File { get; set; }

    /// <summary>When the file grows past this many bytes it is renamed to <c>FILE.1</c> (replacing it) and a new one begun; 0: never (logrotate's job).</summary>
    public long MaxFileBytes { get; set; }

    /// <summary>The syslog collectors (RFC 5424 over UDP, RFC 5426, or TCP with octet counting, RFC 6587 3.4.1).</summary>
    public IReadOnlyList<SyslogTargetOptions> Syslog { get; set; } = [];

    /// <summary>Events per second allowed from one remote address (a token bucket; 1 to 10,000).</summary>
    public int PerSourceRate { get; set; } = 10;

    /// <summary>The burst one remote address may use at once (the size of its bucket; 1 to 100,000).</summary>
    public int PerSourceBurst { get; set; } = 20;

    /// <summary>Events per second allowed in all (a second token bucket with a burst of twice this; 1 to 100,000).</summary>
    public int TotalRate { get; set; } = 200;

    /// <summary>
    /// Slots of the queue between the packet path and the writer (a power of two, 64 to 1,048,576); when it is full an
    /// event is dropped and counted (<c>events.dropped_queue_full</c>).
    /// </summary>
    public int QueueSize { get; set; } = 4096;

    /// <summary>
    /// The NFLOG group (1 to 65535; 0: off) through which the kernel hands the daemon the packets its nftables table
    /// denies in clear (<c>firewall.nftables</c>), each an event with the reason <c>kernel_drop</c>.
    /// </summary>
    public int NflogGroup { get; set; } = DefaultNflogGroup;

    /// <summary>Packets a second, in all, that the nftables rules pass to the NFLOG group (one shared limit in the table; 1 to 10,000).</summary>
    public int NflogRate { get; set; } = 50;

    /// <summary>The default of <see cref="NflogGroup"/> (RFC 5612's example enterprise number, as in the syslog SD-ID).</summary>
    public const int DefaultNflogGroup = 32473;

    /// <summary>The HOSTNAME of syslog messages and <c>host</c> of JSON lines (default: the machine's host name).</summary>
    public string? Hostname { get; set; }
}
