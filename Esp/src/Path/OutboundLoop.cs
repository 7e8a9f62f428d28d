// The outbound data path, in wireguard-go's send.go shape: one dedicated thread, one batch of pooled buffers.
//
//   1. TUN Read(batch, offset: Headroom)     inner IP packets land behind room for the ESP header and IV
//   2. per packet: inner destination → IOutboundSaSelector → (SA, peer's UDP address)
//      none → the AcquireQueue, when there is one: a trap holds the packet and raises an acquire; no trap → drop "no_sa"
//      → IPacketFilter.Outbound(ref SA, ref peer, packet), when there is one: the policy and connection tracking, which
//      may steer the packet onto a CHILD_SA dedicated to its program (same peer); anything but Pass is counted by its
//      verdict ("policy_denied_out", "keyed_sa_pending_out", "conntrack_invalid_out"...) and the packet goes no further
//   3. consecutive packets with the same SA, peer and inner version form a run (the order is kept)
//   4. PacketBatch.Seal(run) in place, tunnel mode, Next Header 4 or 41: the buffer now holds the ESP packet
//   5. bind.Send(run, peer)                  the kernel adds IP and UDP (ESP in UDP, RFC 3948); an SA negotiated
//      without UDP encapsulation goes to the raw ESP bind when there is one (the kernel adds IP, protocol 50)
//
// Ownership: the loop rents its batch from the PacketPool when it starts and gives every buffer back when its thread
// ends. Read, Seal and Send work on the buffers in place; Send has finished with them when it returns, so a buffer is
// never shared with another stage. Nothing is allocated per packet or per batch.
//
// Held packets come back through Inject (on the IKE side's thread, once their SA is installed): steps 2 to 5 run on
// them under the same lock as the loop's batches (uncontended except then), so the filter, the run array and the
// bind's send are never used by two threads at once; an injected packet with no SA is not held again (no_sa).
using System.Net;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Packet;
using IpsecFw.Esp.Sa;
using IpsecFw.Esp.Transport;

namespace IpsecFw.Esp.DataPath;

/// <summary>The outbound loop: TUN → SA → ESP → UDP, on a dedicated thread.</summary>
/// <remarks>
/// <see cref="PacketLoop.Start"/> and <see cref="PacketLoop.Stop"/> are for one controlling thread. <see cref="PacketLoop.Stop"/> disposes the device the
/// loop reads from: that is what wakes a blocked read.
/// </remarks>
public sealed class OutboundLoop : PacketLoop
{
    private readonly IPacketDevice _device;
    private readonly IDatagramBind _bind;
    private readonly IDatagramBind? _rawBind;
    private readonly IOutboundSaSelector _selector;
    private readonly DataPathCounters _counters;
    private readonly IPacketFilter? _filter;
    private readonly PacketBuffer[] _run;
    private readonly EspStatus[] _results;
    private readonly AcquireQueue? _acquires;
    private readonly Lock _processLock = new();

    /// <summary>
    /// Creates the loop; <see cref="PacketLoop.Start"/> starts its thread. With a <paramref name="filter"/>, every packet
    /// that has an SA is judged by it before sealing (called on this loop's thread only, or under its lock by
    /// <see cref="Inject"/>). With <paramref name="acquires"/>, a packet with no SA that one of its traps covers is held
    /// there and raises an acquire instead of being dropped. With <paramref name="rawBind"/> (a <see cref="RawEspBind"/>),
    /// the runs of SAs without UDP encapsulation (<see cref="EspSaConfig.UdpEncapsulation"/> null) are sent there; without
    /// one, every run goes to <paramref name="bind"/>.
    /// </summary>
    public OutboundLoop(IPacketDevice device, IDatagramBind bind, IOutboundSaSelector selector, PacketPool pool, DataPathCounters counters,
        int batchSize = 32, IPacketFilter? filter = null, AcquireQueue? acquires = null, IDatagramBind? rawBind = null)
        : base(pool, batchSize, "outbound")
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(counters);
        _device = device;
        _bind = bind;
        _rawBind = rawBind;
        _selector = selector;
        _counters = counters;
        _filter = filter;
        _acquires = acquires;
        _run = new PacketBuffer[batchSize];
        _results = new EspStatus[batchSize];
    }

    /// <inheritdoc />
    protected override int Receive(Span<PacketBuffer> batch) => _device.Read(batch, PacketBuffer.Headroom);

    /// <inheritdoc />
    protected override void Process(ReadOnlySpan<PacketBuffer> batch)
    {
        lock (_processLock)
        {
            ProcessBatch(batch, hold: true);
        }
    }

    /// <summary>
    /// Sends packets that did not come from the device (held packets whose SA is now installed) the way the loop sends
    /// its own: SA, filter, seal, send, counted the same. The buffers are sealed in place. Any thread; returns the
    /// number of packets handed in (at most the batch size per call, the rest in further calls).
    /// </summary>
    public int Inject(ReadOnlySpan<PacketBuffer> packets)
    {
        int done = 0;
        while (done < packets.Length)
        {
            ReadOnlySpan<PacketBuffer> chunk = packets.Slice(done, Math.Min(_run.Length, packets.Length - done));
            lock (_processLock)
            {
                ProcessBatch(chunk, hold: false);
            }

            done += chunk.Length;
        }

        return done;
    }

    /// <inheritdoc />
    protected override void Wake() => _device.Dispose();

    private void ProcessBatch(ReadOnlySpan<PacketBuffer> batch, bool hold)
    {
        EspSa? runSa = null;
        SocketAddress? runRemote = null;
        byte runNextHeader = 0;
        int runCount = 0;
        foreach (PacketBuffer p in batch)
        {
            if (!InnerPacket.TryGetAddresses(p.Packet, out _, out ReadOnlySpan<byte> destination, out byte nextHeader))
            {
                _counters.CountBadInnerPacket();
                continue;
            }

            EspSa? selected = _selector.Select(destination, out SocketAddress? selectedRemote);
            if (selected is null || selectedRemote is null)
            {
                if (hold && _acquires is not null && _acquires.TryHold(destination, p))
                {
                    continue;
                }

                _counters.CountNoSa();
                continue;
            }

            EspSa sa = selected;
            SocketAddress remote = selectedRemote;

            if (_filter is not null)
            {
                PacketVerdict verdict = _filter.Outbound(ref sa, ref remote, p);
                if (verdict != PacketVerdict.Pass)
                {
                    _counters.CountFilter(verdict, EspDirection.Outbound);
                    continue;
                }
            }

            if (runCount > 0 && (sa != runSa || remote != runRemote || nextHeader != runNextHeader))
            {
                SealAndSend(runSa!, runNextHeader, runRemote!, runCount);
                runCount = 0;
            }

            runSa = sa;
            runRemote = remote;
            runNextHeader = nextHeader;
            _run[runCount++] = p;
        }

        if (runCount > 0)
        {
            SealAndSend(runSa!, runNextHeader, runRemote!, runCount);
        }
    }

    private void SealAndSend(EspSa sa, byte nextHeader, SocketAddress remote, int count)
    {
        Span<PacketBuffer> run = _run.AsSpan(0, count);
        PacketBatch.Seal(sa, run, nextHeader, _results);
        int sealedCount = 0;
        for (int i = 0; i < run.Length; i++)
        {
            if (_results[i] == EspStatus.Ok)
            {
                run[sealedCount++] = run[i];
            }
            else
            {
                _counters.CountSealFailed();
            }
        }

        if (sealedCount == 0)
        {
            return;
        }

        IDatagramBind bind = _rawBind is not null && sa.Config.UdpEncapsulation is null ? _rawBind : _bind;
        int sent = bind.Send(run[..sealedCount], remote);
        _counters.AddOutbound(sent);
        if (sent < sealedCount)
        {
            _counters.AddSendFailed(sealedCount - sent);
        }
    }
}
