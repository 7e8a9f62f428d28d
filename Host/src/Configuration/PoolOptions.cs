namespace IpsecFw.Host.Configuration;

/// <summary>A pool of inner addresses a gateway hands to remote-access peers.</summary>
public sealed class PoolOptions
{
    /// <summary>A unique name, referenced by <see cref="PeerOptions.Pool"/>.</summary>
    public required string Name { get; set; }

    /// <summary>The prefix addresses come from, e.g. <c>198.19.128.0/24</c>.</summary>
    public required string Prefix { get; set; }

    /// <summary>DNS servers announced with the address.</summary>
    public IReadOnlyList<string> Dns { get; set; } = [];
}
