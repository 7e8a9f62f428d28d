using System.Diagnostics.Metrics;

namespace IpsecFw.Esp.DataPath;

/// <summary>
/// Packet and drop counters of the data-path loops, one plain <see cref="long"/> per reason (nebula's named drop
/// counters), bumped with one interlocked add. Drops inside ESP processing (unknown SPI, replay, ICV, NAT-keepalive...)
/// are counted by <see cref="Sa.EspSaTable"/> and the SAs themselves; these are the loops' own reasons.
/// <see cref="Register"/> exports them as <c>ipsecfw.datapath.packets{direction}</c> and
/// <c>ipsecfw.datapath.drops{reason}</c> through observable instruments, so the packet path never boxes a tag.
/// </summary>
/// <remarks>Safe for concurrent use.</remarks>
public sealed class DataPathCounters
{
    private long _outboundPackets;
    private long _inboundPackets;
    private long _noSa;
    private long _badInnerPacket;
    private long _sealFailed;
    private long _sendFailed;
    private long _espRejected;
    private long _notTunnel;
    private long _selectorMismatch;
    private long _tunWriteFailed;
    private long _ikeDelivered;
    private long _ikeQueueFull;
    private static readonly int s_filterVerdicts = Enum.GetValues<PacketVerdict>().Length;
    private static readonly EspDirection[] s_directions = [EspDirection.Inbound, EspDirection.Outbound];
    private readonly long[] _filterInbound = new long[s_filterVerdicts];
    private readonly long[] _filterOutbound = new long[s_filterVerdicts];

    /// <summary>Packets sealed and handed to the socket.</summary>
    public long OutboundPackets => Volatile.Read(ref _outboundPackets);

    /// <summary>Packets decrypted, checked and written to the TUN device.</summary>
    public long InboundPackets => Volatile.Read(ref _inboundPackets);

    /// <summary>
    /// <c>no_sa</c>: an outbound packet for which no SA exists (no acquire queue yet). Fail closed: the TUN path has
    /// no way to send a packet in clear, so such a packet is always dropped, never sent unprotected.
    /// </summary>
    public long NoSa => Volatile.Read(ref _noSa);

    /// <summary><c>bad_inner_packet</c>: an outbound packet from TUN that is neither IPv4 nor IPv6.</summary>
    public long BadInnerPacket => Volatile.Read(ref _badInnerPacket);

    /// <summary><c>seal_failed</c>: the SA refused to seal (expired, sequence exhausted...; the SA counts the reason).</summary>
    public long SealFailed => Volatile.Read(ref _sealFailed);

    /// <summary><c>send_failed</c>: the socket did not take a sealed packet.</summary>
    public long SendFailed => Volatile.Read(ref _sendFailed);

    /// <summary><c>esp_rejected</c>: an inbound datagram ESP processing dropped (the table or SA counts the reason).</summary>
    public long EspRejected => Volatile.Read(ref _espRejected);

    /// <summary><c>not_tunnel</c>: a transport-mode SA on the tunnel data path.</summary>
    public long NotTunnel => Volatile.Read(ref _notTunnel);

    /// <summary><c>selector_mismatch</c>: the inner packet lies outside its SA's selectors (RFC 4301 5.2).</summary>
    public long SelectorMismatch => Volatile.Read(ref _selectorMismatch);

    /// <summary><c>tun_write_failed</c>: the TUN device did not take a decrypted packet.</summary>
    public long TunWriteFailed => Volatile.Read(ref _tunWriteFailed);

    /// <summary>IKE messages handed to the IKE sink.</summary>
    public long IkeDelivered => Volatile.Read(ref _ikeDelivered);

    /// <summary><c>ike_queue_full</c>: an IKE message dropped because the IKE sink was full (or there is none).</summary>
    public long IkeQueueFull => Volatile.Read(ref _ikeQueueFull);

    /// <summary>
    /// Packets the <see cref="IPacketFilter"/> took off the path in <paramref name="direction"/> with
    /// <paramref name="verdict"/> (<see cref="PacketVerdict.Pass"/>: 0, passes are not counted here).
    /// </summary>
    public long FilterCount(PacketVerdict verdict, EspDirection direction) =>
        verdict == PacketVerdict.Pass || (uint)verdict >= (uint)s_filterVerdicts
            ? 0
            : Volatile.Read(ref (direction == EspDirection.Inbound ? _filterInbound : _filterOutbound)[(int)verdict]);

    /// <summary>The counter name of a filter verdict in a direction: <c>policy_denied_in</c>, <c>fragment_held_out</c>...</summary>
    public static string FilterReasonName(PacketVerdict verdict, EspDirection direction) =>
        verdict switch
        {
            PacketVerdict.FragmentHeld => "fragment_held",
            PacketVerdict.PolicyDenied => "policy_denied",
            PacketVerdict.ConntrackInvalid => "conntrack_invalid",
            PacketVerdict.ConntrackFull => "conntrack_full",
            PacketVerdict.Malformed => "malformed",
            PacketVerdict.FragmentDropped => "fragment_dropped",
            PacketVerdict.NoPolicy => "no_policy",
            PacketVerdict.ProcessDenied => "process_denied",
            PacketVerdict.KeyedSaPending => "keyed_sa_pending",
            _ => "pass",
        } + (direction == EspDirection.Inbound ? "_in" : "_out");

    /// <summary>Exports the counters through <paramref name="meter"/>.</summary>
    public void Register(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        meter.CreateObservableCounter("ipsecfw.datapath.packets", ObservePackets, "{packet}", "Packets through the data path");
        meter.CreateObservableCounter("ipsecfw.datapath.drops", ObserveDrops, "{packet}", "Packets dropped by the data-path loops, by reason");
    }

    internal void AddOutbound(int count) => Interlocked.Add(ref _outboundPackets, count);

    internal void AddInbound(int count) => Interlocked.Add(ref _inboundPackets, count);

    internal void CountNoSa() => Interlocked.Increment(ref _noSa);

    internal void CountBadInnerPacket() => Interlocked.Increment(ref _badInnerPacket);

    internal void CountSealFailed() => Interlocked.Increment(ref _sealFailed);

    internal void AddSendFailed(int count) => Interlocked.Add(ref _sendFailed, count);

    internal void CountEspRejected() => Interlocked.Increment(ref _espRejected);

    internal void CountNotTunnel() => Interlocked.Increment(ref _notTunnel);

    internal void CountSelectorMismatch() => Interlocked.Increment(ref _selectorMismatch);

    internal void AddTunWriteFailed(int count) => Interlocked.Add(ref _tunWriteFailed, count);

    internal void CountIkeDelivered() => Interlocked.Increment(ref _ikeDelivered);

    internal void CountIkeQueueFull() => Interlocked.Increment(ref _ikeQueueFull);

    internal void CountFilter(PacketVerdict verdict, EspDirection direction)
    {
        if ((uint)verdict < (uint)s_filterVerdicts)
        {
            Interlocked.Increment(ref (direction == EspDirection.Inbound ? _filterInbound : _filterOutbound)[(int)verdict]);
        }
    }

    private IEnumerable<Measurement<long>> ObservePackets()
    {
        yield return new Measurement<long>(OutboundPackets, new KeyValuePair<string, object?>("direction", "outbound"));
        yield return new Measurement<long>(InboundPackets, new KeyValuePair<string, object?>("direction", "inbound"));
    }

    private IEnumerable<Measurement<long>> ObserveDrops()
    {
        yield return Drop("no_sa", NoSa);
        yield return Drop("bad_inner_packet", BadInnerPacket);
        yield return Drop("seal_failed", SealFailed);
        yield return Drop("send_failed", SendFailed);
        yield return Drop("esp_rejected", EspRejected);
        yield return Drop("not_tunnel", NotTunnel);
        yield return Drop("selector_mismatch", SelectorMismatch);
        yield return Drop("tun_write_failed", TunWriteFailed);
        yield return Drop("ike_queue_full", IkeQueueFull);
        foreach (EspDirection direction in s_directions)
        {
            for (int v = 1; v < s_filterVerdicts; v++)
            {
                yield return Drop(FilterReasonName((PacketVerdict)v, direction), FilterCount((PacketVerdict)v, direction));
            }
        }
    }

    private static Measurement<long> Drop(string reason, long value) => new(value, new KeyValuePair<string, object?>("reason", reason));
}
