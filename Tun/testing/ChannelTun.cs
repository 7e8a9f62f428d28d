using System.Threading.Channels;
using IpsecFw.Esp.Buffers;

namespace IpsecFw.Tun.Testing;

/// <summary>
/// An in-memory TUN device, one end of a pair made by <see cref="CreatePair"/> (wireguard-go's <c>tuntest</c>): what one
/// end writes, the other end reads. Give one end to the code under test and keep the other to inject packets and to
/// collect what the code wrote.
/// </summary>
/// <remarks>
/// Each direction is a bounded channel of copies (a test double: it allocates per packet). A full channel drops the
/// written packet and counts it, like a full TUN queue. Disposing an end wakes its blocked reader (returning 0) and
/// completes the direction it writes into, so the peer's reader returns 0 once it has drained it.
/// Concurrency: one reader per end; writers may be concurrent.
/// </remarks>
public sealed class ChannelTun : ITunDevice
{
    /// <summary>The default channel capacity in packets.</summary>
    public const int DefaultCapacity = 1024;

    private readonly ChannelReader<byte[]> _inbound;
    private readonly ChannelWriter<byte[]> _outbound;
    private readonly CancellationTokenSource _closed = new();
    private int _disposed;
    private long _writeDrops;
    private long _readDrops;

    private ChannelTun(string name, int mtu, int batchSize, ChannelReader<byte[]> inbound, ChannelWriter<byte[]> outbound)
    {
        Name = name;
        Mtu = mtu;
        BatchSize = batchSize;
        _inbound = inbound;
        _outbound = outbound;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int Mtu { get; }

    /// <inheritdoc/>
    public int BatchSize { get; }

    /// <summary>Packets dropped on write: the peer's channel was full, the packet was larger than the MTU, or this end was closed.</summary>
    public long WriteDrops => Interlocked.Read(ref _writeDrops);

    /// <summary>Packets dropped on read because they did not fit the caller's buffer.</summary>
    public long ReadDrops => Interlocked.Read(ref _readDrops);

    /// <summary>Creates two connected ends.</summary>
    public static (ChannelTun A, ChannelTun B) CreatePair(int capacity = DefaultCapacity, int mtu = 1400, int batchSize = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var options = new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait, SingleReader = true };
        Channel<byte[]> aToB = Channel.CreateBounded<byte[]>(options);
        Channel<byte[]> bToA = Channel.CreateBounded<byte[]>(options);
        return (new ChannelTun("chtun-a", mtu, batchSize, bToA.Reader, aToB.Writer),
                new ChannelTun("chtun-b", mtu, batchSize, aToB.Reader, bToA.Writer));
    }

    /// <summary>Sends a raw packet to the peer, as if this end's kernel had routed it into the device.</summary>
    /// <returns>False when it was dropped.</returns>
    public bool Inject(ReadOnlySpan<byte> packet)
    {
        if (Volatile.Read(ref _disposed) != 0 || packet.Length > Mtu || !_outbound.TryWrite(packet.ToArray()))
        {
            Interlocked.Increment(ref _writeDrops);
            return false;
        }

        return true;
    }

    /// <inheritdoc/>
    public int Read(Span<PacketBuffer> bufs, int offset)
    {
        int max = Math.Min(bufs.Length, BatchSize);
        while (max > 0 && Volatile.Read(ref _disposed) == 0)
        {
            int count = 0;
            while (count < max && _inbound.TryRead(out byte[]? packet))
            {
                PacketBuffer b = bufs[count];
                if (packet.Length > b.Bytes.Length - offset - PacketBuffer.Tailroom)
                {
                    Interlocked.Increment(ref _readDrops);
                    continue;
                }

                packet.CopyTo(b.Bytes.AsSpan(offset));
                b.Offset = offset;
                b.Length = packet.Length;
                count++;
            }

            if (count > 0)
            {
                return count;
            }

            try
            {
                if (!_inbound.WaitToReadAsync(_closed.Token).AsTask().GetAwaiter().GetResult())
                {
                    return 0; // The peer was disposed and everything it wrote has been read.
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return 0; // Disposed while waiting, or just before.
            }
        }

        return 0;
    }

    /// <inheritdoc/>
    public int Write(ReadOnlySpan<PacketBuffer> bufs)
    {
        int written = 0;
        foreach (PacketBuffer b in bufs)
        {
            if (Inject(b.Packet))
            {
                written++;
            }
        }

        return written;
    }

    /// <summary>Wakes this end's blocked reader and closes the direction it writes into.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _outbound.TryComplete();
        _closed.Cancel();
        _closed.Dispose();
    }
}
