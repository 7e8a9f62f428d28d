using System.Collections.Concurrent;

namespace IpsecFw.Esp.DataPath;

/// <summary>
/// The <see cref="InnerSelectors"/> of each inbound SA, by SPI, held beside the SA table until the SPD owns them. An SA
/// without an entry allows nothing (fail closed).
/// </summary>
/// <remarks>Safe for concurrent use; look-ups are lock-free and allocation-free.</remarks>
public sealed class InboundSelectorTable
{
    private readonly ConcurrentDictionary<uint, InnerSelectors> _bySpi = new();

    /// <summary>Sets (or replaces) the selectors of the inbound SA <paramref name="spi"/>.</summary>
    public void Set(uint spi, InnerSelectors selectors)
    {
        ArgumentNullException.ThrowIfNull(selectors);
        _bySpi[spi] = selectors;
    }

    /// <summary>Forgets the selectors of <paramref name="spi"/> (when its SA is deleted).</summary>
    public bool Remove(uint spi) => _bySpi.TryRemove(spi, out _);

    /// <summary>True when the inner packet that arrived on SA <paramref name="spi"/> is within its selectors.</summary>
    public bool Allows(uint spi, ReadOnlySpan<byte> innerPacket) =>
        _bySpi.TryGetValue(spi, out InnerSelectors? selectors) && selectors.AllowsInbound(innerPacket);
}
