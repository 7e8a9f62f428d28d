namespace IpsecFw.Esp.Sa;

/// <summary>
/// SA lifetimes (RFC 4301 4.4.2.1): soft limits warn the IKE layer to rekey, hard limits stop the SA. A limit of 0 means
/// none. Byte limits count the protected payload (the inner packet in tunnel mode).
/// </summary>
public sealed record EspLifetime
{
    /// <summary>No limits at all.</summary>
    public static EspLifetime Unlimited { get; } = new();

    /// <summary>Packets after which the SA should be rekeyed.</summary>
    public ulong SoftPackets { get; init; }

    /// <summary>Packets after which the SA stops.</summary>
    public ulong HardPackets { get; init; }

    /// <summary>Payload bytes after which the SA should be rekeyed.</summary>
    public ulong SoftBytes { get; init; }

    /// <summary>Payload bytes after which the SA stops.</summary>
    public ulong HardBytes { get; init; }

    /// <summary>Age after which the SA should be rekeyed.</summary>
    public TimeSpan SoftTime { get; init; }

    /// <summary>Age after which the SA stops.</summary>
    public TimeSpan HardTime { get; init; }
}
