// On-demand SAs, like the kernel's acquire (RFC 4301 5.2, "trap" policies; strongSwan's start_action=trap).
//
//   packet thread (OutboundLoop, no SA for the destination):
//     TryHold(destination, packet) → the trap whose prefix holds the destination (longest first)   none → false: no_sa
//       → no acquire pending for its peer and none raised within RetryInterval: raise one
//         (an AcquireRequest written to a bounded channel; full → acquire_request_lost)
//       → copy the packet into a buffer rented from the queue's own pool; the peer's bound reached or the pool empty
//         → acquire_queue_full; within RetryInterval of a failed acquire → acquire_backoff
//   control plane (the daemon's IKE side):
//     Requests.ReadAsync → start IKE with the peer (or nothing when an SA is already on its way)
//     CHILD_SA installed → Release(peer, send): the held packets, in order, to send (the outbound loop's Inject)
//     negotiation failed → Fail(peer): held packets dropped, acquire_failed
//     every second → Expire(): an acquire pending for HoldTimeout ends, its packets dropped as acquire_timeout
//
// Nothing is allocated on the packet thread: the trap table is an array replaced whole (copy on write), each trap's
// slots are arrays made when the trap is added, and held packets live in buffers of a pool made at construction.
using System.Net;
using System.Threading.Channels;
using IpsecFw.Esp.Buffers;

namespace IpsecFw.Esp.DataPath;

/// <summary>
/// The acquire queue: traps (destination prefixes that belong to a peer for which an SA may be negotiated on demand),
/// a bounded queue of <see cref="AcquireRequest"/>s for the IKE side, and a few packets per peer that wait for the SA.
/// Keyed by the peer's name.
/// </summary>
/// <remarks>
/// <see cref="TryHold"/> is for the outbound packet thread; every other member is safe to call from any thread. A
/// trap's lock is held only to copy one packet or to swap its slots, never while packets are sent.
/// </remarks>
public sealed class AcquireQueue
{
    /// <summary>Packets one peer may have waiting by default.</summary>
    public const int DefaultHeldPerPeer = 8;

    /// <summary>The most packets one peer may have waiting.</summary>
    public const int MaxHeldPerPeer = 16;

    /// <summary>Requests queued for the IKE side at most (one per peer is ever pending).</summary>
    public const int RequestCapacity = 64;

    private readonly PacketPool _pool;
    private readonly int _maxPacket;
    private readonly Channel<AcquireRequest> _requests;
    private readonly TimeProvider _time;
    private readonly Lock _tableLock = new();
    private Route[] _routes = [];
    private Dictionary<string, Trap> _traps = new(StringComparer.Ordinal);
    private long _raised;
    private long _held;
    private long _released;
    private long _queueFull;
    private long _timeout;
    private long _failed;
    private long _backoff;
    private long _requestLost;

    /// <summary>
    /// Creates an empty queue whose peers may hold <paramref name="heldPerPeer"/> packets each, out of
    /// <paramref name="poolCapacity"/> buffers of <paramref name="maxPacket"/> bytes shared by all peers.
    /// </summary>
    public AcquireQueue(int heldPerPeer = DefaultHeldPerPeer, int poolCapacity = 128, int maxPacket = 2048, TimeProvider? time = null,
        TimeSpan? holdTimeout = null, TimeSpan? retryInterval = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(heldPerPeer, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(heldPerPeer, MaxHeldPerPeer);
        HeldPerPeer = heldPerPeer;
        _pool = new PacketPool(poolCapacity, maxPacket);
        _maxPacket = maxPacket;
        _time = time ?? TimeProvider.System;
        HoldTimeout = holdTimeout ?? TimeSpan.FromSeconds(30); // the kernel's net.core.xfrm_acq_expires
        RetryInterval = retryInterval ?? TimeSpan.FromSeconds(2);
        _requests = Channel.CreateBounded<AcquireRequest>(new BoundedChannelOptions(RequestCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite answers false when full: the loss is counted
        });
    }

    /// <summary>Packets one peer may have waiting.</summary>
    public int HeldPerPeer { get; }

    /// <summary>How long an acquire may stay pending: then its held packets are dropped (<c>acquire_timeout</c>) and the peer may raise a new one.</summary>
    public TimeSpan HoldTimeout { get; }

    /// <summary>The least time between two acquires of one peer (after a failure or a timeout).</summary>
    public TimeSpan RetryInterval { get; }

    /// <summary>Acquires for the IKE side, at most one pending per peer.</summary>
    public ChannelReader<AcquireRequest> Requests => _requests.Reader;

    /// <summary><c>acquires</c>: acquires raised by traffic or <see cref="Request"/>.</summary>
    public long Raised => Interlocked.Read(ref _raised);

    /// <summary><c>held</c>: packets put aside to wait for their SA.</summary>
    public long Held => Interlocked.Read(ref _held);

    /// <summary><c>released</c>: held packets handed on once their SA was installed.</summary>
    public long Released => Interlocked.Read(ref _released);

    /// <summary><c>acquire_queue_full</c>: packets dropped because their peer already had <see cref="HeldPerPeer"/> waiting (or the pool was empty).</summary>
    public long DroppedQueueFull => Interlocked.Read(ref _queueFull);

    /// <summary><c>acquire_timeout</c>: held packets dropped because their peer's acquire was pending for <see cref="HoldTimeout"/>.</summary>
    public long DroppedTimeout => Interlocked.Read(ref _timeout);

    /// <summary><c>acquire_failed</c>: held packets dropped because the negotiation failed (or the trap was removed).</summary>
    public long DroppedFailed => Interlocked.Read(ref _failed);

    /// <summary><c>acquire_backoff</c>: packets dropped within <see cref="RetryInterval"/> of their peer's last acquire, with none pending.</summary>
    public long DroppedBackoff => Interlocked.Read(ref _backoff);

    /// <summary><c>acquire_request_lost</c>: acquires not queued because the request queue was full (their packet is dropped).</summary>
    public long RequestsLost => Interlocked.Read(ref _requestLost);

    /// <summary>
    /// Makes <paramref name="destinations"/> a trap of <paramref name="peer"/> (replacing its earlier ones): a packet
    /// towards them with no SA raises an acquire for the peer and waits.
    /// </summary>
    public void AddTrap(string peer, IEnumerable<IPNetwork> destinations)
    {
        ArgumentException.ThrowIfNullOrEmpty(peer);
        ArgumentNullException.ThrowIfNull(destinations);
        lock (_tableLock)
        {
            if (!_traps.TryGetValue(peer, out Trap? trap))
            {
                trap = new Trap(peer, HeldPerPeer);
                _traps = new Dictionary<string, Trap>(_traps, StringComparer.Ordinal) { [peer] = trap };
            }

            Route[] next = [.. _routes.Where(r => r.Trap != trap), .. destinations.Select(d => new Route(InnerPrefix.From(d), trap))];
            Array.Sort(next, static (x, y) => y.Prefix.Length.CompareTo(x.Prefix.Length));
            Volatile.Write(ref _routes, next);
        }
    }

    /// <summary>Removes <paramref name="peer"/>'s traps; its held packets are dropped as <c>acquire_failed</c>.</summary>
    public void RemoveTrap(string peer)
    {
        Trap? trap;
        lock (_tableLock)
        {
            if (!_traps.TryGetValue(peer, out trap))
            {
                return;
            }

            var traps = new Dictionary<string, Trap>(_traps, StringComparer.Ordinal);
            traps.Remove(peer);
            _traps = traps;
            Volatile.Write(ref _routes, [.. _routes.Where(r => r.Trap != trap)]);
        }

        Drop(trap, ref _failed, any: true);
    }

    /// <summary>
    /// Called on the outbound packet thread for a packet with no SA: true when a trap covers
    /// <paramref name="destination"/> (4 or 16 address bytes) and the queue took care of the packet (held, or dropped
    /// and counted under one of the acquire reasons); false when no trap does (the caller counts <c>no_sa</c>). The
    /// packet is copied: <paramref name="packet"/> stays the caller's.
    /// </summary>
    public bool TryHold(ReadOnlySpan<byte> destination, PacketBuffer packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        Trap? trap = null;
        foreach (Route r in Volatile.Read(ref _routes))
        {
            if (r.Prefix.Contains(destination))
            {
                trap = r.Trap;
                break;
            }
        }

        if (trap is null)
        {
            return false;
        }

        lock (trap.Lock)
        {
            long now = _time.GetTimestamp();
            if (!trap.Pending)
            {
                if (trap.LastRaised != 0 && _time.GetElapsedTime(trap.LastRaised, now) < RetryInterval)
                {
                    Interlocked.Increment(ref _backoff);
                    return true;
                }

                if (!Raise(trap, now))
                {
                    return true;
                }
            }

            if (trap.Count == trap.Slots.Length || packet.Length > _maxPacket || !_pool.TryRent(out PacketBuffer? slot))
            {
                Interlocked.Increment(ref _queueFull);
                return true;
            }

            packet.Packet.CopyTo(slot!.Bytes.AsSpan(PacketBuffer.Headroom));
            slot.Offset = PacketBuffer.Headroom;
            slot.Length = packet.Length;
            trap.Slots[trap.Count++] = slot;
            Interlocked.Increment(ref _held);
        }

        return true;
    }

    /// <summary>
    /// Raises an acquire for <paramref name="peer"/> without a packet (for a caller that knows an SA is needed); false
    /// when the peer has no trap, one is already pending, or the request queue is full.
    /// </summary>
    public bool Request(string peer)
    {
        if (!_traps.TryGetValue(peer, out Trap? trap))
        {
            return false;
        }

        lock (trap.Lock)
        {
            return !trap.Pending && Raise(trap, _time.GetTimestamp());
        }
    }

    /// <summary>
    /// The SA for <paramref name="peer"/> is installed: its held packets, in the order they came, go to
    /// <paramref name="send"/> (which returns how many it took) and back to the pool; the peer may raise a new acquire
    /// when it needs one. Returns the number of packets handed on.
    /// </summary>
    public int Release(string peer, Func<ReadOnlyMemory<PacketBuffer>, int> send)
    {
        ArgumentNullException.ThrowIfNull(send);
        if (!_traps.TryGetValue(peer, out Trap? trap))
        {
            return 0;
        }

        lock (trap.ReleaseLock)
        {
            int count;
            PacketBuffer[] held;
            lock (trap.Lock)
            {
                trap.Pending = false;
                count = trap.Count;
                held = trap.Slots;
                trap.Slots = trap.Spare;
                trap.Spare = held;
                trap.Count = 0;
            }

            if (count == 0)
            {
                return 0;
            }

            // Sent outside the trap's lock: the outbound loop may be in TryHold for this peer meanwhile.
            int sent = send(held.AsMemory(0, count));
            Interlocked.Add(ref _released, count);
            for (int i = 0; i < count; i++)
            {
                _pool.Return(held[i]);
                held[i] = null!;
            }

            return sent;
        }
    }

    /// <summary>Negotiation with <paramref name="peer"/> failed: its held packets are dropped (<c>acquire_failed</c>). Returns how many.</summary>
    public int Fail(string peer) => _traps.TryGetValue(peer, out Trap? trap) ? Drop(trap, ref _failed, any: true) : 0;

    /// <summary>Ends the acquires pending for longer than <see cref="HoldTimeout"/> and drops their held packets (<c>acquire_timeout</c>); returns how many.</summary>
    public int Expire()
    {
        int dropped = 0;
        foreach (Trap trap in _traps.Values)
        {
            dropped += Drop(trap, ref _timeout, any: false);
        }

        return dropped;
    }

    /// <summary>Each peer with a trap: whether an acquire is pending and how many packets wait.</summary>
    public IReadOnlyList<AcquireState> Snapshot()
    {
        var list = new List<AcquireState>();
        foreach (Trap trap in _traps.Values)
        {
            lock (trap.Lock)
            {
                list.Add(new AcquireState(trap.Peer, trap.Pending, trap.Count));
            }
        }

        list.Sort(static (x, y) => string.CompareOrdinal(x.Peer, y.Peer));
        return list;
    }

    private bool Raise(Trap trap, long now)
    {
        if (!_requests.Writer.TryWrite(new AcquireRequest(trap.Peer)))
        {
            Interlocked.Increment(ref _requestLost);
            return false;
        }

        trap.Pending = true;
        trap.LastRaised = now;
        Interlocked.Increment(ref _raised);
        return true;
    }

    /// <summary>Drops a trap's held packets (all, or only when they have waited past the timeout) and ends its pending acquire.</summary>
    private int Drop(Trap trap, ref long counter, bool any)
    {
        lock (trap.Lock)
        {
            if (!any && (!trap.Pending || _time.GetElapsedTime(trap.LastRaised) < HoldTimeout))
            {
                return 0;
            }

            int count = trap.Count;
            for (int i = 0; i < count; i++)
            {
                _pool.Return(trap.Slots[i]);
                trap.Slots[i] = null!;
            }

            trap.Count = 0;
            trap.Pending = false;
            Interlocked.Add(ref counter, count);
            return count;
        }
    }

    private sealed class Trap(string peer, int slots)
    {
        public string Peer { get; } = peer;

        public Lock Lock { get; } = new();

        public Lock ReleaseLock { get; } = new();

        public PacketBuffer[] Slots { get; set; } = new PacketBuffer[slots];

        public PacketBuffer[] Spare { get; set; } = new PacketBuffer[slots];

        public int Count { get; set; }

        public bool Pending { get; set; }

        public long LastRaised { get; set; }
    }

    private sealed record Route(InnerPrefix Prefix, Trap Trap);
}
