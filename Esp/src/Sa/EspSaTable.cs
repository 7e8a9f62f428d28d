using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;

namespace IpsecFw.Esp.Sa;

/// <summary>
/// The SA database of the data path: inbound SAs by SPI (looked up per packet, lock-free) and outbound SAs (kept for
/// statistics; the outbound SPD chooses them). Drops that happen before an SA is known (unknown SPI, a truncated or
/// non-ESP datagram) are counted here. Everything is exported through System.Diagnostics.Metrics:
/// <c>ipsecfw.esp.packets</c>, <c>ipsecfw.esp.bytes</c> (tags spi, direction) and <c>ipsecfw.esp.drops</c> (tags spi,
/// direction, reason; spi "none" for table-level drops).
/// </summary>
/// <remarks>Safe for concurrent use. Removing an SA does not dispose it: the caller does that once no packet thread
/// can still hold it.</remarks>
public sealed class EspSaTable : IDisposable
{
    /// <summary>The meter name, for exporters and listeners.</summary>
    public const string MeterName = "IpsecFw.Esp";

    private static readonly EspStatus[] s_reasons = Enum.GetValues<EspStatus>()[1..];

    private readonly ConcurrentDictionary<uint, EspSa> _inbound = new();
    private readonly ConcurrentDictionary<uint, EspSa> _outbound = new();
    private readonly long[] _drops = new long[s_reasons.Length + 1];
    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    /// <summary>Creates a table that reports through <paramref name="meter"/> (or through a meter of its own).</summary>
    public EspSaTable(Meter? meter = null)
    {
        _ownsMeter = meter is null;
        _meter = meter ?? new Meter(MeterName);
        _meter.CreateObservableCounter("ipsecfw.esp.packets", ObservePackets, "{packet}", "Packets sealed or opened per SA");
        _meter.CreateObservableCounter("ipsecfw.esp.bytes", ObserveBytes, "By", "Payload bytes sealed or opened per SA");
        _meter.CreateObservableCounter("ipsecfw.esp.drops", ObserveDrops, "{packet}", "Packets dropped, by reason");
    }

    /// <summary>Inbound SAs in the table.</summary>
    public int InboundCount => _inbound.Count;

    /// <summary>Outbound SAs in the table.</summary>
    public int OutboundCount => _outbound.Count;

    /// <summary>Adds an SA; false if an SA with that SPI and direction is already present.</summary>
    public bool TryAdd(EspSa sa)
    {
        ArgumentNullException.ThrowIfNull(sa);
        return (sa.Direction == EspDirection.Inbound ? _inbound : _outbound).TryAdd(sa.Spi, sa);
    }

    /// <summary>The inbound SA for <paramref name="spi"/>, if any. Lock-free and allocation-free.</summary>
    public bool TryGetInbound(uint spi, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EspSa? sa) => _inbound.TryGetValue(spi, out sa);

    /// <summary>The outbound SA for <paramref name="spi"/>, if any.</summary>
    public bool TryGetOutbound(uint spi, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EspSa? sa) => _outbound.TryGetValue(spi, out sa);

    /// <summary>Removes an SA from the table (it is not disposed).</summary>
    public bool TryRemove(uint spi, EspDirection direction, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EspSa? sa) =>
        (direction == EspDirection.Inbound ? _inbound : _outbound).TryRemove(spi, out sa);

    /// <summary>
    /// A random inbound SPI not in use, outside the reserved range 0-255 (RFC 4303 2.1). The caller adds the SA
    /// before offering the SPI to a peer; a collision then shows as a failed <see cref="TryAdd"/>.
    /// </summary>
    public uint AllocateSpi()
    {
        while (true)
        {
            uint spi = (uint)RandomNumberGenerator.GetInt32(int.MinValue, int.MaxValue);
            if (spi > 255 && !_inbound.ContainsKey(spi))
            {
                return spi;
            }
        }
    }

    /// <summary>Counts a drop that happened before an SA was known.</summary>
    public EspStatus Drop(EspStatus reason)
    {
        Interlocked.Increment(ref _drops[(int)reason]);
        return reason;
    }

    /// <summary>Table-level drops for <paramref name="reason"/> (not those counted on SAs).</summary>
    public long GetDropCount(EspStatus reason) => (uint)reason < (uint)_drops.Length ? Volatile.Read(ref _drops[(int)reason]) : 0;

    /// <summary>Every SA in the table, inbound first (a snapshot, for status output).</summary>
    public IReadOnlyList<EspSa> Snapshot() => [.. _inbound.Values, .. _outbound.Values];

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private IEnumerable<Measurement<long>> ObservePackets()
    {
        foreach (EspSa sa in Snapshot())
        {
            yield return new Measurement<long>(sa.Packets, Tag("spi", SpiTag(sa.Spi)), Tag("direction", DirectionTag(sa.Direction)));
        }
    }

    private IEnumerable<Measurement<long>> ObserveBytes()
    {
        foreach (EspSa sa in Snapshot())
        {
            yield return new Measurement<long>(sa.Bytes, Tag("spi", SpiTag(sa.Spi)), Tag("direction", DirectionTag(sa.Direction)));
        }
    }

    private IEnumerable<Measurement<long>> ObserveDrops()
    {
        foreach (EspStatus reason in s_reasons)
        {
            long count = GetDropCount(reason);
            if (count != 0)
            {
                yield return new Measurement<long>(count, Tag("spi", "none"), Tag("direction", "inbound"), Tag("reason", ReasonTag(reason)));
            }
        }

        foreach (EspSa sa in Snapshot())
        {
            foreach (EspStatus reason in s_reasons)
            {
                long count = sa.GetDropCount(reason);
                if (count != 0)
                {
                    yield return new Measurement<long>(count, Tag("spi", SpiTag(sa.Spi)), Tag("direction", DirectionTag(sa.Direction)), Tag("reason", ReasonTag(reason)));
                }
            }
        }
    }

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);

    private static string SpiTag(uint spi) => $"0x{spi:x8}";

    private static string DirectionTag(EspDirection direction) => direction == EspDirection.Inbound ? "inbound" : "outbound";

    /// <summary>The metric tag for a drop reason: snake_case, like nebula's firewall counters.</summary>
    public static string ReasonTag(EspStatus reason) => reason switch
    {
        EspStatus.Truncated => "truncated",
        EspStatus.Malformed => "malformed",
        EspStatus.UnknownSpi => "unknown_spi",
        EspStatus.Replay => "replay",
        EspStatus.IcvFailure => "icv_failure",
        EspStatus.BadPadding => "bad_padding",
        EspStatus.BadNextHeader => "bad_next_header",
        EspStatus.DummyPacket => "dummy",
        EspStatus.BadInnerPacket => "bad_inner_packet",
        EspStatus.SequenceExhausted => "sequence_exhausted",
        EspStatus.HardLifetimeExpired => "hard_lifetime_expired",
        EspStatus.SaDisposed => "sa_disposed",
        EspStatus.NoBufferSpace => "no_buffer_space",
        EspStatus.NotEsp => "not_esp",
        EspStatus.NatKeepalive => "nat_keepalive",
        EspStatus.WrongDirection => "wrong_direction",
        EspStatus.OuterFragment => "outer_fragment",
        EspStatus.EncapsulationMismatch => "encapsulation_mismatch",
        _ => "ok",
    };
}
