// The inbound data path, in wireguard-go's receive.go shape: one dedicated thread, one batch of pooled buffers.
//
//   1. bind.Receive(batch, sources)          UDP/4500 payloads land at Headroom (the kernel stripped IP and UDP)
//   2. per datagram: Decapsulator.DecapsulateUdpPayload (what PacketBatch.DecapsulateUdpPayloads runs, called per packet
//      here because the loop needs the SA each packet opened on):
//        non-ESP marker (IKE)  → IIkeDatagramSink, bounded; full → drop "ike_queue_full"
//        NAT-keepalive, unknown SPI, replay, bad ICV... → dropped, counted by the table or the SA ("esp_rejected" here)
//        ok → SPI look-up, replay check, decrypt in place, replay commit, inner packet found (EspSa.Open)
//   3. RFC 4301 5.2: the inner source and destination must lie within the SA's InnerSelectors → else "selector_mismatch"
//   4. IPacketFilter.Inbound(SA's SPI, inner packet), when there is one: the policy and connection tracking; anything
//      but Pass is counted by its verdict ("policy_denied_in", "conntrack_invalid_in"...) and not written
//   5. TUN Write(the packets that passed)
//
// Ownership: the loop rents its batch from the PacketPool when it starts and gives every buffer back when its thread
// ends. Receive, decryption and Write work on the buffers in place; the IKE sink copies what it keeps and Write has
// finished with the buffers when it returns. Nothing is allocated per packet or per batch (IKE messages excepted: the
// sink copies them for the control plane).
//
// Raw ESP (IP protocol 50): a second InboundLoop receives from a RawEspBind (rawEsp: true). Its packets carry no
// non-ESP marker and no IKE: step 2 is Decapsulator.DecapsulateEspPayload, which only opens SAs negotiated without UDP
// encapsulation; the UDP loop beside it runs with StrictEncapsulation, so it only opens UDP-encapsulated SAs. A packet
// that arrives with the other encapsulation is counted ("encapsulation_mismatch") before its SA is touched.
//
// One thread opens every SA: EspSa.Open must not run concurrently on one SA (its replay window is unlocked); with
// two loops, each SA belongs to the loop of its encapsulation. More inbound workers will shard by SPI.
using System.Net;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Packet;
using IpsecFw.Esp.Sa;
using IpsecFw.Esp.Transport;

namespace IpsecFw.Esp.DataPath;

/// <summary>The inbound loop: UDP (or raw ESP) → ESP → selector check → TUN, on a dedicated thread.</summary>
/// <remarks>
/// <see cref="PacketLoop.Start"/> and <see cref="PacketLoop.Stop"/> are for one controlling thread. <see cref="PacketLoop.Stop"/> disposes the bind the
/// loop receives from: that is what wakes a blocked receive.
/// </remarks>
public sealed class InboundLoop : PacketLoop
{
    private readonly IDatagramBind _bind;
    private readonly IPacketDevice _device;
    private readonly EspSaTable _table;
    private readonly InboundSelectorTable _selectors;
    private readonly IIkeDatagramSink? _ike;
    private readonly DataPathCounters _counters;
    private readonly IPacketFilter? _filter;
    private readonly PacketBuffer[] _deliver;
    private readonly SocketAddress[] _sources;
    private readonly bool _rawEsp;
    private int _deliverCount;

    /// <summary>
    /// Creates the loop; <see cref="PacketLoop.Start"/> starts its thread. Without an IKE sink, IKE messages are dropped
    /// and counted. With a <paramref name="filter"/>, every packet that passed its SA's selectors is judged by it
    /// (called on this loop's thread only). With <paramref name="rawEsp"/>, the bind delivers raw ESP packets (a
    /// <see cref="RawEspBind"/>: IP protocol 50, the IP header skipped), and only SAs without UDP encapsulation open them.
    /// </summary>
    public InboundLoop(
        IDatagramBind bind, IPacketDevice device, EspSaTable table, InboundSelectorTable selectors, IIkeDatagramSink? ike,
        PacketPool pool, DataPathCounters counters, int batchSize = 32, IPacketFilter? filter = null, bool rawEsp = false)
        : base(pool, batchSize, rawEsp ? "inbound-esp" : "inbound")
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(selectors);
        ArgumentNullException.ThrowIfNull(counters);
        _bind = bind;
        _device = device;
        _table = table;
        _selectors = selectors;
        _ike = ike;
        _counters = counters;
        _filter = filter;
        _rawEsp = rawEsp;
        _deliver = new PacketBuffer[batchSize];
        _sources = new SocketAddress[batchSize];
        for (int i = 0; i < batchSize; i++)
        {
            _sources[i] = UdpBind.CreateAddressSlot();
        }
    }

    /// <summary>
    /// On a UDP loop: open only SAs negotiated with UDP encapsulation, because a raw ESP loop beside it opens the others
    /// (the daemon sets it whenever it runs both). A raw loop is always strict the other way.
    /// </summary>
    public bool StrictEncapsulation { get; init; }

    /// <inheritdoc />
    protected override int Receive(Span<PacketBuffer> batch) => _bind.Receive(batch, _sources);

    /// <inheritdoc />
    protected override void Process(ReadOnlySpan<PacketBuffer> batch) => _deliverCount = ProcessBatch(batch);

    /// <inheritdoc />
    protected override void Deliver()
    {
        int count = _deliverCount;
        if (count > 0)
        {
            int written = _device.Write(_deliver.AsSpan(0, count));
            _counters.AddInbound(written);
            if (written < count)
            {
                _counters.AddTunWriteFailed(count - written);
            }
        }
    }

    /// <inheritdoc />
    protected override void Wake() => _bind.Dispose();

    private int ProcessBatch(ReadOnlySpan<PacketBuffer> batch)
    {
        int count = 0;
        for (int i = 0; i < batch.Length; i++)
        {
            PacketBuffer p = batch[i];
            EspSa? sa;
            int offset, length;
            EspStatus status = _rawEsp
                ? Decapsulator.DecapsulateEspPayload(_table, p.Bytes, p.Offset, p.Length, out sa, out offset, out length, out _)
                : Decapsulator.DecapsulateUdpPayload(_table, p.Bytes, p.Offset, p.Length, out sa, out offset, out length, out _, StrictEncapsulation);
            switch (status)
            {
                case EspStatus.Ok when sa!.Mode != EspMode.Tunnel:
                    _counters.CountNotTunnel();
                    break;
                case EspStatus.Ok when !_selectors.Allows(sa!.Spi, p.Bytes.AsSpan(offset, length)):
                    _counters.CountSelectorMismatch();
                    break;
                case EspStatus.Ok:
                    p.Offset = offset;
                    p.Length = length;
                    if (_filter is not null && _filter.Inbound(sa!.Spi, p) is var verdict and not PacketVerdict.Pass)
                    {
                        _counters.CountFilter(verdict, EspDirection.Inbound);
                        break;
                    }

                    _deliver[count++] = p;
                    break;
                case EspStatus.NotEsp:
                    DeliverIke(p.Packet[UdpEncapsulation.NonEspMarkerSize..], _sources[i]);
                    break;
                default:
                    _counters.CountEspRejected();
                    break;
            }
        }

        return count;
    }

    private void DeliverIke(ReadOnlySpan<byte> message, SocketAddress source)
    {
        if (_ike is not null && _ike.TryDeliver(message, source))
        {
            _counters.CountIkeDelivered();
        }
        else
        {
            _counters.CountIkeQueueFull();
        }
    }
}
