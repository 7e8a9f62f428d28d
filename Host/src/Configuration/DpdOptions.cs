namespace IpsecFw.Host.Configuration;

/// <summary>Dead peer detection (RFC 7296 2.4 liveness checks).</summary>
public sealed class DpdOptions
{
    /// <summary>Seconds without traffic from the peer before an empty INFORMATIONAL is sent (0 disables; at most 3600).</summary>
    public int IntervalSeconds { get; set; } = 30;

    /// <summary>Seconds without an answer before the IKE SA is declared dead (at least the interval).</summary>
    public int TimeoutSeconds { get; set; } = 150;
}
