namespace IpsecFw.Host.Control;

/// <summary>One CHILD SA (an inbound and outbound ESP SA pair) as <c>ipsecfw sas</c> shows it.</summary>
public sealed record ChildSaInfo
{
    /// <summary>The state: <c>installing</c>, <c>installed</c>, <c>rekeying</c>, <c>deleting</c>.</summary>
    public required string State { get; init; }

    /// <summary><c>tunnel</c> or <c>transport</c>.</summary>
    public string Mode { get; init; } = "tunnel";

    /// <summary>The negotiated ESP algorithms in proposal syntax (<c>aes256gcm16-esn</c>).</summary>
    public required string Algorithms { get; init; }

    /// <summary>The inbound SPI, 8 hex digits (the one this host chose).</summary>
    public required string InboundSpi { get; init; }

    /// <summary>The outbound SPI, 8 hex digits (the one the peer chose).</summary>
    public required string OutboundSpi { get; init; }

    /// <summary>The local traffic selectors as prefixes or ranges.</summary>
    public IReadOnlyList<string> LocalSelectors { get; init; } = [];

    /// <summary>The remote traffic selectors.</summary>
    public IReadOnlyList<string> RemoteSelectors { get; init; } = [];

    /// <summary>Inner bytes received and accepted.</summary>
    public long BytesIn { get; init; }

    /// <summary>Inner bytes sent.</summary>
    public long BytesOut { get; init; }

    /// <summary>Packets received and accepted.</summary>
    public long PacketsIn { get; init; }

    /// <summary>Packets sent.</summary>
    public long PacketsOut { get; init; }

    /// <summary>Inbound packets dropped on this SA (replay, ICV failure, padding, selectors...), by reason tag.</summary>
    public IReadOnlyDictionary<string, long> Drops { get; init; } = new Dictionary<string, long>();

    /// <summary>When the CHILD SA was installed.</summary>
    public DateTimeOffset? EstablishedAt { get; init; }
}
