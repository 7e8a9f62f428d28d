namespace IpsecFw.Host.Configuration;

/// <summary>
/// The daemon's configuration file (JSON, documented in <c>docs/configuration.md</c>), as loaded and validated by
/// <see cref="ConfigLoader"/>. Keys are camelCase; unknown keys are errors. Treat a loaded configuration as read-only: a reload makes a new one.
/// </summary>
public sealed class HostConfig
{
    /// <summary>This host's certificate and key.</summary>
    public IdentityOptions? Identity { get; set; }

    /// <summary>The certificate authorities peers must chain to, their CRLs, and the revocation policy.</summary>
    public TrustOptions? Trust { get; set; }

    /// <summary>The peers and gateways this host talks IKE with (names unique).</summary>
    public IReadOnlyList<PeerOptions> Peers { get; set; } = [];

    /// <summary>Address pools a gateway hands out to remote-access peers (prefixes may not overlap).</summary>
    public IReadOnlyList<PoolOptions> Pools { get; set; } = [];

    /// <summary>Where IKE listens (read when there are peers).</summary>
    public IkeOptions Ike { get; set; } = new();

    /// <summary>The TUN device (absent: no TUN device is opened; required when there are peers).</summary>
    public TunOptions? Tun { get; set; }

    /// <summary>Where the policy comes from (required).</summary>
    public required PolicyOptions Policy { get; set; }

    /// <summary>The nftables table that enforces the policy on traffic in clear.</summary>
    public FirewallOptions Firewall { get; set; } = new();

    /// <summary>The control socket.</summary>
    public ControlOptions Control { get; set; } = new();

    /// <summary>Intrusion-detection events (absent: none are recorded).</summary>
    public EventsOptions? Events { get; set; }

    /// <summary>Logging.</summary>
    public LoggingOptions Logging { get; set; } = new();

    /// <summary>The directory relative paths in the file are taken from (the file's own directory).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string BaseDirectory { get; internal set; } = "/";

    /// <summary>A path from the file, made absolute against <see cref="BaseDirectory"/>.</summary>
    public string ResolvePath(string path) => Path.GetFullPath(path, BaseDirectory);
}
