// The outbound data path, in wireguard-go's send.go shape: one dedicated thread, one batch of pooled buffers.
//
//   1. TUN Read(batch, offset: Headroom)     inner IP packets land behind room for the ESP header and IV
//   2. per packet: inner destination → IOutboundSaSelector → (SA, peer's UDP address)     none → drop "no_sa"
//   3. consecutive packets with the same SA, peer and inner version form a run (the order is kept)
//   4. PacketBatch.Seal(run) in place, tunnel mode, Next Header 4 or 41: the buffer now holds the ESP packet
//   5. bind.Send(run, peer)                  the kernel adds IP and UDP (ESP in UDP, RFC 3948)
//
// Ownership: the loop rents its batch from the PacketPool when it starts and gives every buffer back when its thread
// ends. Read, Seal and Send work on the buffers in place; Send has finished with them when it returns, so a buffer is
// never shared with another stage. Nothing is allocated per packet or per batch.
using System.Net;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Packet;
using IpsecFw.Esp.Sa;
using IpsecFw.Esp.Transport;

namespace IpsecFw.Esp.DataPath;

/// <summary>The outbound loop: TUN → SA → ESP → UDP, on a dedicated thread.</summary>
/// <remarks>
/// <see cref="Start"/> and <see cref="Stop"/> are for one controlling thread. <see cref="Stop"/> disposes the device the
/// loop reads from: that is what wakes a blocked read.
/// </remarks>
public sealed class OutboundLoop
{
    private readonly IPacketDevice _device;
    private readonly IDatagramBind _bind;
    private readonly IOutboundSaSelector _selector;
    private readonly PacketPool _pool;
    private readonly DataPathCounters _counters;
    private readonly PacketBuffer[] _batch;
    private readonly PacketBuffer[] _run;
    private readonly EspStatus[] _results;
    private readonly Thread _thread;
    private int _rented;
    private volatile bool _stopping;
    private long _allocatedBytes;

    /// <summary>Creates the loop; <see cref="Start"/> starts its thread.</summary>
    public OutboundLoop(IPacketDevice device, IDatagramBind bind, IOutboundSaSelector selector, PacketPool pool, DataPathCounters counters, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _device = device;
        _bind = bind;
        _selector = selector;
        _pool = pool;
        _counters = counters;
        _batch = new PacketBuffer[batchSize];
        _run = new PacketBuffer[batchSize];
        _results = new EspStatus[batchSize];
        _thread = new Thread(Run) { IsBackground = true, Name = "ipsecfw-outbound" };
    }

    /// <summary>
    /// Bytes allocated on the loop thread by the loop's own work (from the return of the TUN read to the return of
    /// the send), summed over all batches. A test hook: it must stay flat once the loop is warm.
    /// </summary>
    internal long AllocatedBytesForTesting => Interlocked.Read(ref _allocatedBytes);

    /// <summary>Rents the batch from the pool and starts the thread.</summary>
    /// <exception cref="InvalidOperationException">The pool has no buffer to spare (a start-up error).</exception>
    public void Start()
    {
        _rented = 0;
        while (_rented < _batch.Length && _pool.TryRent(out PacketBuffer? b))
        {
            _batch[_rented++] = b!;
        }

        if (_rented == 0)
        {
            throw new InvalidOperationException("The packet pool has no buffer for the outbound loop.");
        }

        _thread.Start();
    }

    /// <summary>
    /// Stops the loop: disposes the device it reads from (waking it) and waits up to <paramref name="timeout"/> for the
    /// thread to end. True when the thread has ended (its buffers are back in the pool).
    /// </summary>
    public bool Stop(TimeSpan timeout)
    {
        _stopping = true;
        _device.Dispose();
        return !_thread.IsAlive || _thread.Join(timeout);
    }

    private void Run()
    {
        try
        {
            Span<PacketBuffer> batch = _batch.AsSpan(0, _rented);
            while (!_stopping)
            {
                int n = _device.Read(batch, PacketBuffer.Headroom);
                if (n <= 0)
                {
                    break; // disposed or failed
                }

                long before = GC.GetAllocatedBytesForCurrentThread();
                ProcessBatch(batch[..n]);
                Interlocked.Add(ref _allocatedBytes, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }
        finally
        {
            for (int i = 0; i < _rented; i++)
            {
                _pool.Return(_batch[i]);
            }

            _rented = 0;
        }
    }

    private void ProcessBatch(ReadOnlySpan<PacketBuffer> batch)
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

            EspSa? sa = _selector.Select(destination, out SocketAddress? remote);
            if (sa is null || remote is null)
            {
                _counters.CountNoSa();
                continue;
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

        int sent = _bind.Send(run[..sealedCount], remote);
        _counters.AddOutbound(sent);
        if (sent < sealedCount)
        {
            _counters.AddSendFailed(sealedCount - sent);
        }
    }
}
