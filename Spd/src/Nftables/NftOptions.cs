namespace IpsecFw.Spd.Nftables;

/// <summary>
/// What <see cref="NftRulesetBuilder"/> needs besides the policy: the table's name, the TUN device whose traffic the
/// daemon's SPD judges packet by packet, and the IKE ports. Every value is checked by <see cref="Validate"/> before it
/// is written into a ruleset.
/// </summary>
public sealed record NftOptions
{
    /// <summary>The name of the <c>inet</c> table (letters, digits and <c>_</c>, starting with a letter, at most 32).</summary>
    public string Table { get; init; } = "ipsecfw";

    /// <summary>The TUN device (its traffic is accepted: the daemon judges it), or null when the host has none.</summary>
    public string? TunDevice { get; init; }

    /// <summary>The IKE port (500).</summary>
    public int IkePort { get; init; } = 500;

    /// <summary>The NAT-traversal port shared by IKE and ESP in UDP (4500).</summary>
    public int NatPort { get; init; } = 4500;

    /// <summary>
    /// The NFLOG group (1 to 65535) the log rules of the deny rules and of the default deny send their packets to, for
    /// the daemon's intrusion-detection events; null: no such rules (the default deny logs to the kernel log instead).
    /// </summary>
    public int? EventGroup { get; init; }

    /// <summary>Packets a second, in all, that the NFLOG rules send (one shared nftables <c>limit</c>; burst twice this; 1 to 10,000).</summary>
    public int EventRate { get; init; } = 50;

    /// <summary>Bytes of each logged packet copied to the daemon (<c>snaplen</c>): the IP and transport headers.</summary>
    public const int EventSnapLength = 256;

    /// <summary>The name of the table's shared <c>limit</c> object of the NFLOG rules.</summary>
    public const string EventLimitName = "ipsecfw_events";

    /// <summary>Raw ESP (IP protocol 50) is in use (<c>ike.encapsulation: auto</c>): it passes both ways, like UDP/4500.</summary>
    public bool RawEsp { get; init; }

    /// <summary>True for a table name the builder accepts.</summary>
    public static bool IsValidTableName(string? name) =>
        name is { Length: > 0 and <= 32 } && char.IsAsciiLetter(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>True for an interface name the builder accepts (1 to 15 of letters, digits, <c>_ . -</c>).</summary>
    public static bool IsValidDeviceName(string? name) =>
        name is { Length: > 0 and <= 15 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    /// <summary>Null when every value can be written into a ruleset, else why not (naming the property).</summary>
    public string? Validate()
    {
        if (!IsValidTableName(Table))
        {
            return $"table: '{Table}' is not a table name (1 to 32 letters, digits or '_', starting with a letter)";
        }

        if (TunDevice is not null && !IsValidDeviceName(TunDevice))
        {
            return $"tun device: '{TunDevice}' is not an interface name nftables may be given (1 to 15 letters, digits, '_', '.' or '-')";
        }

        if (IkePort is < 1 or > 65535 || NatPort is < 1 or > 65535)
        {
            return $"ports: {IkePort} and {NatPort} must both be 1 to 65535";
        }

        if (EventGroup is < 1 or > 65535)
        {
            return $"event group: {EventGroup} is not an NFLOG group (1 to 65535)";
        }

        if (EventRate is < 1 or > 10_000)
        {
            return $"event rate: {EventRate} is out of range (1 to 10000)";
        }

        return null;
    }
}
