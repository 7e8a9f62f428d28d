using System.Net;
using System.Threading.Channels;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Transport;

namespace IpsecFw.Esp.Testing;

/// <summary>
/// An in-memory datagram transport, one end of a pair made by <see cref="CreatePair"/> (wireguard-go's
/// <c>conn/bindtest</c>): what one end sends, the other end receives, whatever the destination address says. Each
/// received datagram carries the sending end's <see cref="LocalEndPoint"/> as its source.
/// </summary>
/// <remarks>
/// <para>Each direction is a bounded channel of datagram slots allocated up front, plus a channel of free slots, so
/// sending and receiving allocate nothing once warm (the data-path allocation tests rely on that). A send when every
/// slot is in flight drops the datagram and counts it, like a full socket buffer.</para>
/// <para>Concurrency: one receiving thread per end; senders may be concurrent. Disposing an end wakes its blocked
/// receiver (returning 0) and makes its sends fail; the peer can still drain what is queued.</para>
/// </remarks>
public sealed class InMemoryBind : IDatagramBind
{
    /// <summary>The default number of datagrams in flight per direction.</summary>
    public const int DefaultCapacity = 1024;

    /// <summary>The default largest datagram: an MTU-sized packet with room for ESP (slots are allocated up front).</summary>
    public const int DefaultMaxDatagram = 2048;

    // A blocked receiver looks at the disposed flag at least this often.
    private const int WaitMilliseconds = 100;

    private readonly Direction _incoming;
    private readonly Direction _outgoing;
    private readonly SocketAddress _localAddress;
    private volatile bool _disposed;
    private long _sendDrops;

    private InMemoryBind(IPEndPoint local, Direction incoming, Direction outgoing, int batchSize)
    {
        LocalEndPoint = local;
        _localAddress = local.Serialize();
        _incoming = incoming;
        _outgoing = outgoing;
        BatchSize = batchSize;
    }

    /// <inheritdoc/>
    public int BatchSize { get; }

    /// <summary>The address this end appears to send from.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Datagrams dropped on send: every slot was in flight, the datagram did not fit a slot, or this end was disposed.</summary>
    public long SendDrops => Interlocked.Read(ref _sendDrops);

    /// <summary>Creates two connected ends with the given apparent addresses.</summary>
    public static (InMemoryBind A, InMemoryBind B) CreatePair(
        IPEndPoint a, IPEndPoint b, int capacity = DefaultCapacity, int batchSize = 32, int maxDatagram = DefaultMaxDatagram)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var aToB = new Direction(capacity, maxDatagram);
        var bToA = new Direction(capacity, maxDatagram);
        return (new InMemoryBind(a, bToA, aToB, batchSize), new InMemoryBind(b, aToB, bToA, batchSize));
    }

    /// <summary>Sends raw bytes to the peer, as if a third party had sent them from this end's address.</summary>
    /// <returns>False when the datagram was dropped.</returns>
    public bool Inject(ReadOnlySpan<byte> datagram)
    {
        bool ok = TrySend(datagram);
        _outgoing.Set();
        return ok;
    }

    /// <inheritdoc/>
    public int Receive(Span<PacketBuffer> bufs, Span<SocketAddress> remotes)
    {
        int max = Math.Min(Math.Min(bufs.Length, remotes.Length), BatchSize);
        while (max > 0 && !_disposed)
        {
            int count = 0;
            while (count < max && _incoming.Queue.Reader.TryRead(out Slot? slot))
            {
                PacketBuffer b = bufs[count];
                if (slot.Length <= b.Bytes.Length - PacketBuffer.Headroom)
                {
                    slot.Data.AsSpan(0, slot.Length).CopyTo(b.Bytes.AsSpan(PacketBuffer.Headroom));
                    b.Offset = PacketBuffer.Headroom;
                    b.Length = slot.Length;
                    SocketAddress from = slot.Source!;
                    SocketAddress to = remotes[count];
                    from.Buffer.Span[..from.Size].CopyTo(to.Buffer.Span);
                    to.Size = from.Size;
                    count++;
                }

                slot.Source = null;
                _incoming.Free.Writer.TryWrite(slot);
            }

            if (count > 0)
            {
                return count;
            }

            _incoming.Wait(WaitMilliseconds);
        }

        return 0;
    }

    /// <inheritdoc/>
    public int Send(ReadOnlySpan<PacketBuffer> bufs, SocketAddress remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        int sent = 0;
        foreach (PacketBuffer b in bufs)
        {
            if (TrySend(b.Packet))
            {
                sent++;
            }
        }

        if (sent > 0)
        {
            _outgoing.Set();
        }

        return sent;
    }

    /// <summary>Wakes this end's receiver; later sends from this end are dropped.</summary>
    public void Dispose()
    {
        _disposed = true;
        _incoming.Set();
    }

    private bool TrySend(ReadOnlySpan<byte> datagram)
    {
        if (_disposed || !_outgoing.Free.Reader.TryRead(out Slot? slot))
        {
            Interlocked.Increment(ref _sendDrops);
            return false;
        }

        if (datagram.Length > slot.Data.Length)
        {
            _outgoing.Free.Writer.TryWrite(slot);
            Interlocked.Increment(ref _sendDrops);
            return false;
        }

        datagram.CopyTo(slot.Data);
        slot.Length = datagram.Length;
        slot.Source = _localAddress;
        _outgoing.Queue.Writer.TryWrite(slot); // cannot fail: there are as many queue places as slots
        return true;
    }

    /// <summary>One direction: the queue of sent datagrams, the free slots, and the receiver's wake-up flag.</summary>
    private sealed class Direction
    {
        private readonly object _gate = new();
        private bool _pending;

        public Direction(int capacity, int maxDatagram)
        {
            var options = new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.Wait };
            Queue = Channel.CreateBounded<Slot>(options);
            Free = Channel.CreateBounded<Slot>(options);
            for (int i = 0; i < capacity; i++)
            {
                Queue.Writer.TryWrite(new Slot(new byte[maxDatagram]));
            }

            // Every slot passes through the queue once here, so both channels' internal rings have reached full size
            // before the first send: nothing grows (allocates) later.
            while (Queue.Reader.TryRead(out Slot? slot))
            {
                Free.Writer.TryWrite(slot);
            }
        }

        public Channel<Slot> Queue { get; }

        public Channel<Slot> Free { get; }

        /// <summary>Wakes the receiver (a flag under the monitor, so a wake-up between its look and its wait is not lost).</summary>
        public void Set()
        {
            lock (_gate)
            {
                _pending = true;
                Monitor.Pulse(_gate);
            }
        }

        /// <summary>Waits for <see cref="Set"/>, at most <paramref name="milliseconds"/>.</summary>
        public void Wait(int milliseconds)
        {
            lock (_gate)
            {
                if (!_pending)
                {
                    Monitor.Wait(_gate, milliseconds);
                }

                _pending = false;
            }
        }
    }

    /// <summary>A datagram in flight.</summary>
    private sealed class Slot(byte[] data)
    {
        public byte[] Data { get; } = data;

        public int Length { get; set; }

        public SocketAddress? Source { get; set; }
    }
}
