using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IpsecFw.Spd.Packets;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.State;

/// <summary>
/// Connection tracking: the flows this host opened or accepted (TCP, UDP, ICMP/ICMPv6 echo, other protocols by
/// address pair), so that the packets of a live connection, replies included, pass without a policy decision, and so
/// that a reload can re-judge every live connection (<see cref="Recheck"/>). TCP follows nf_conntrack's state machine
/// (without sequence-window tracking); timeouts are <see cref="ConntrackTimeouts"/>.
/// <para>
/// Per packet: <see cref="Update"/> finds the connection the packet belongs to in either direction, advances its state
/// and refreshes its timeout; <see cref="ConntrackResult.New"/> means the caller asks the policy and, if it allows the
/// packet, calls <see cref="Track"/>. Time is a monotonic millisecond clock the caller passes in
/// (<see cref="Environment.TickCount64"/> in the daemon, a counter in tests).
/// </para>
/// <para>
/// Layout: open addressing with linear probing over arrays allocated once, split into up to 64 shards (the top bits of
/// the hash choose the shard), each at most half full and guarded by its own spin lock held for a few dozen
/// nanoseconds, so the inbound and outbound packet threads rarely meet. The hash is keyed with a per-process random
/// key (<see cref="FlowHash"/>) so hostile traffic cannot aim at one chain. Expired entries are removed when a packet
/// meets them, by a sweep of a full shard (at most once a second per shard), and by <see cref="Expire"/>; removal
/// shifts the following entries back (no tombstones). When a shard is full a new connection is refused and counted
/// (<see cref="DroppedFull"/>): capacity is per shard, <c>capacity / shards</c> each.
/// </para>
/// <para>
/// Thread-safety: every method may be called from any thread. <see cref="Update"/>, <see cref="Track"/> and
/// <see cref="TryGet"/> allocate nothing. <see cref="Recheck"/> and <see cref="Expire"/> are for the control plane.
/// </para>
/// </summary>
public sealed partial class ConnectionTable
{
    private const int MaxShards = 64;
    private const int MinEntriesPerShard = 256;
    private const long SweepInterval = 1000;

    private const byte LocallyInitiatedBit = 1;
    private const byte FinOriginalBit = 2;
    private const byte FinReplyBit = 4;
    private const byte RepliedBit = 8;

    private readonly Entry[] _entries;
    private readonly PeerGrant?[] _grants;
    private readonly string?[] _programs;
    private readonly Shard[] _shards;
    private readonly int _shardBits;
    private readonly int _slotsPerShard;
    private readonly int _slotMask;
    private readonly int _shardCapacity;
    private readonly FlowHash _hash;
    private readonly long[] _timeoutByState;
    private long _droppedFull;
    private long _droppedNotInitial;
    private long _invalid;
    private long _expired;

    /// <summary>Creates a table for about <paramref name="capacity"/> connections, with Linux's timeouts by default.</summary>
    public ConnectionTable(int capacity, ConntrackTimeouts? timeouts = null)
        : this(capacity, timeouts, FlowHash.Process)
    {
    }

    internal ConnectionTable(int capacity, ConntrackTimeouts? timeouts, FlowHash hash)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 26);
        Timeouts = timeouts ?? ConntrackTimeouts.Default;
        _timeoutByState = new long[Enum.GetValues<ConnectionState>().Length];
        for (int i = 0; i < _timeoutByState.Length; i++)
        {
            _timeoutByState[i] = Timeouts.For((ConnectionState)i);
        }

        _hash = hash;
        int shards = (int)Math.Clamp(BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, capacity / MinEntriesPerShard)), 1, MaxShards);
        if (shards > capacity / MinEntriesPerShard)
        {
            shards = Math.Max(1, shards / 2);
        }

        _shardBits = BitOperations.Log2((uint)shards);
        _shardCapacity = (capacity + shards - 1) / shards;
        _slotsPerShard = (int)BitOperations.RoundUpToPowerOf2((uint)(_shardCapacity * 2));
        _slotMask = _slotsPerShard - 1;
        _entries = new Entry[shards * _slotsPerShard];
        _grants = new PeerGrant?[_entries.Length];
        _programs = new string?[_entries.Length];
        _shards = new Shard[shards];
        Capacity = _shardCapacity * shards;
    }

    /// <summary>The timeouts in force.</summary>
    public ConntrackTimeouts Timeouts { get; }

    /// <summary>How many connections the table can hold (the per-shard bound times the shards).</summary>
    public int Capacity { get; }

    /// <summary>Live entries (expired ones not yet removed included).</summary>
    public int Count
    {
        get
        {
            int n = 0;
            for (int i = 0; i < _shards.Length; i++)
            {
                n += Volatile.Read(ref _shards[i].Count);
            }

            return n;
        }
    }

    /// <summary>New connections refused because their shard was full.</summary>
    public long DroppedFull => Interlocked.Read(ref _droppedFull);

    /// <summary>Packets that cannot open a connection and were not tracked (<see cref="TrackResult.NotInitial"/>).</summary>
    public long DroppedNotInitial => Interlocked.Read(ref _droppedNotInitial);

    /// <summary>Packets of tracked connections refused by the state machine (<see cref="ConntrackResult.Invalid"/>).</summary>
    public long InvalidPackets => Interlocked.Read(ref _invalid);

    /// <summary>Entries removed because their timeout passed.</summary>
    public long ExpiredEntries => Interlocked.Read(ref _expired);

    /// <summary>
    /// Finds the connection <paramref name="flow"/> belongs to (in either direction), advances its state with this
    /// packet and refreshes its timeout. <see cref="ConntrackResult.New"/>: no live connection (the packet needs a
    /// policy decision); <see cref="ConntrackResult.Original"/> / <see cref="ConntrackResult.Reply"/>: it passes, and
    /// <paramref name="info"/> holds what admitted the connection; <see cref="ConntrackResult.Invalid"/>: drop it.
    /// </summary>
    public ConntrackResult Update(in FlowKey flow, TcpFlags tcpFlags, long now, out ConnectionInfo info)
    {
        info = default;
        ulong hash = Hash(flow);
        ref Shard shard = ref _shards[ShardOf(hash)];
        int shardBase = ShardOf(hash) * _slotsPerShard;
        Enter(ref shard);
        try
        {
            if (!Find(shardBase, hash, flow, out int slot, out bool reply))
            {
                return ConntrackResult.New;
            }

            ref Entry e = ref _entries[slot];
            if (now >= e.ExpiresAt)
            {
                Remove(ref shard, shardBase, slot);
                Interlocked.Increment(ref _expired);
                return ConntrackResult.New;
            }

            ConntrackResult result = Advance(ref e, flow, tcpFlags, reply, now);
            info = InfoOf(slot);
            return result;
        }
        finally
        {
            Exit(ref shard);
        }
    }

    /// <summary>
    /// Starts tracking a connection the policy allowed, from its first packet: <paramref name="locallyInitiated"/> when
    /// this host opens it (an outbound packet), false when a peer opens it (an inbound packet this host accepted).
    /// A TCP connection must start with a SYN (no ACK, RST or FIN), an ICMP one with an echo request.
    /// </summary>
    public TrackResult Track(in FlowKey flow, TcpFlags tcpFlags, bool locallyInitiated, long now, in ConnectionAdmission admission)
    {
        if (!CanOpen(flow, tcpFlags))
        {
            Interlocked.Increment(ref _droppedNotInitial);
            return TrackResult.NotInitial;
        }

        ulong hash = Hash(flow);
        int shardIndex = ShardOf(hash);
        ref Shard shard = ref _shards[shardIndex];
        int shardBase = shardIndex * _slotsPerShard;
        Enter(ref shard);
        try
        {
            if (Find(shardBase, hash, flow, out int slot, out bool reply))
            {
                if (now < _entries[slot].ExpiresAt)
                {
                    Advance(ref _entries[slot], flow, tcpFlags, reply, now);
                    return TrackResult.Existing;
                }

                Remove(ref shard, shardBase, slot);
                Interlocked.Increment(ref _expired);
                Find(shardBase, hash, flow, out slot, out _);
            }

            if (shard.Count >= _shardCapacity)
            {
                if (now - shard.LastSweep >= SweepInterval || shard.LastSweep == 0)
                {
                    shard.LastSweep = now;
                    SweepShard(ref shard, shardBase, now);
                }

                if (shard.Count >= _shardCapacity)
                {
                    Interlocked.Increment(ref _droppedFull);
                    return TrackResult.Full;
                }

                Find(shardBase, hash, flow, out slot, out _);
            }

            ref Entry e = ref _entries[slot];
            e.Source = flow.Source;
            e.Destination = flow.Destination;
            e.SourcePort = flow.SourcePort;
            e.DestinationPort = flow.DestinationPort;
            e.Protocol = flow.Protocol;
            e.Hash = (uint)hash;
            e.Bits = locallyInitiated ? LocallyInitiatedBit : (byte)0;
            e.State = InitialState(flow.Protocol);
            e.ExpiresAt = now + _timeoutByState[(int)e.State];
            e.PolicyVersion = admission.PolicyVersion;
            e.RuleIndex = admission.RuleIndex;
            e.Action = admission.Action;
            e.Spi = admission.Spi;
            _grants[slot] = admission.Grant;
            _programs[slot] = admission.LocalProgram;
            shard.Count++;
            return TrackResult.Tracked;
        }
        finally
        {
            Exit(ref shard);
        }
    }

    /// <summary>Reads a live connection's entry without changing it; false when there is none (or it expired).</summary>
    public bool TryGet(in FlowKey flow, long now, out ConnectionInfo info)
    {
        info = default;
        ulong hash = Hash(flow);
        int shardIndex = ShardOf(hash);
        ref Shard shard = ref _shards[shardIndex];
        Enter(ref shard);
        try
        {
            if (!Find(shardIndex * _slotsPerShard, hash, flow, out int slot, out _) || now >= _entries[slot].ExpiresAt)
            {
                return false;
            }

            info = InfoOf(slot);
            return true;
        }
        finally
        {
            Exit(ref shard);
        }
    }

    /// <summary>Removes every entry whose timeout has passed; returns how many. For a control-plane timer.</summary>
    public int Expire(long now)
    {
        int removed = 0;
        for (int s = 0; s < _shards.Length; s++)
        {
            ref Shard shard = ref _shards[s];
            Enter(ref shard);
            try
            {
                removed += SweepShard(ref shard, s * _slotsPerShard, now);
            }
            finally
            {
                Exit(ref shard);
            }
        }

        return removed;
    }

    private static bool CanOpen(in FlowKey flow, TcpFlags flags) => flow.Protocol switch
    {
        IpProtocol.Tcp => (flags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst | TcpFlags.Fin)) == TcpFlags.Syn,
        IpProtocol.Icmp or IpProtocol.Icmpv6 => PacketClassifier.IsEchoRequest(flow.Protocol, flow.IcmpType),
        _ => true,
    };

    private static ConnectionState InitialState(byte protocol) => protocol switch
    {
        IpProtocol.Tcp => ConnectionState.TcpSynSent,
        IpProtocol.Udp => ConnectionState.UdpUnreplied,
        IpProtocol.Icmp or IpProtocol.Icmpv6 => ConnectionState.IcmpEcho,
        _ => ConnectionState.Other,
    };

    private ConntrackResult Advance(ref Entry e, in FlowKey flow, TcpFlags flags, bool reply, long now)
    {
        ConnectionState next;
        switch (e.Protocol)
        {
            case IpProtocol.Tcp:
                if (!TryTcpTransition(e.State, flags, reply, ref e.Bits, out next))
                {
                    Interlocked.Increment(ref _invalid);
                    return ConntrackResult.Invalid;
                }

                break;
            case IpProtocol.Icmp or IpProtocol.Icmpv6:
                // Requests go the way the first one went, replies come back.
                if (PacketClassifier.IsEchoRequest(flow.Protocol, flow.IcmpType) == reply
                    || !PacketClassifier.IsEcho(flow.Protocol, flow.IcmpType))
                {
                    Interlocked.Increment(ref _invalid);
                    return ConntrackResult.Invalid;
                }

                next = ConnectionState.IcmpEcho;
                break;
            case IpProtocol.Udp:
                next = reply || e.State == ConnectionState.UdpAssured ? ConnectionState.UdpAssured : ConnectionState.UdpUnreplied;
                break;
            default:
                next = ConnectionState.Other;
                break;
        }

        if (reply)
        {
            e.Bits |= RepliedBit;
        }

        e.State = next;
        e.ExpiresAt = now + _timeoutByState[(int)next];
        return reply ? ConntrackResult.Reply : ConntrackResult.Original;
    }

    private ConnectionInfo InfoOf(int slot)
    {
        ref Entry e = ref _entries[slot];
        return new ConnectionInfo(e.State, (e.Bits & LocallyInitiatedBit) != 0,
            new ConnectionAdmission(e.PolicyVersion, e.RuleIndex, e.Action, e.Spi, _grants[slot], _programs[slot]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Hash(in FlowKey flow)
    {
        // Canonical order: the lower (address, port) endpoint first, so both directions hash alike.
        bool sourceLow = flow.Source < flow.Destination
            || (flow.Source == flow.Destination && flow.SourcePort <= flow.DestinationPort);
        return sourceLow
            ? _hash.Hash(flow.Source, flow.SourcePort, flow.Destination, flow.DestinationPort, flow.Protocol)
            : _hash.Hash(flow.Destination, flow.DestinationPort, flow.Source, flow.SourcePort, flow.Protocol);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ShardOf(ulong hash) => _shardBits == 0 ? 0 : (int)(hash >> (64 - _shardBits));

    private bool Find(int shardBase, ulong hash, in FlowKey flow, out int slot, out bool reply)
    {
        reply = false;
        uint h = (uint)hash;
        int i = (int)(h & (uint)_slotMask);
        for (int probes = 0; probes < _slotsPerShard; probes++, i = (i + 1) & _slotMask)
        {
            ref Entry e = ref _entries[shardBase + i];
            if (e.State == ConnectionState.None)
            {
                slot = shardBase + i;
                return false;
            }

            if (e.Hash == h && e.Protocol == flow.Protocol)
            {
                if (e.Source == flow.Source && e.Destination == flow.Destination
                    && e.SourcePort == flow.SourcePort && e.DestinationPort == flow.DestinationPort)
                {
                    slot = shardBase + i;
                    return true;
                }

                if (e.Source == flow.Destination && e.Destination == flow.Source
                    && e.SourcePort == flow.DestinationPort && e.DestinationPort == flow.SourcePort)
                {
                    slot = shardBase + i;
                    reply = true;
                    return true;
                }
            }
        }

        slot = -1; // unreachable while shards stay at most half full
        return false;
    }

    // Linear-probing deletion by backward shift (Knuth 6.4, algorithm R): later entries of the same cluster that could
    // live in the hole move into it, so look-ups never need tombstones.
    private void Remove(ref Shard shard, int shardBase, int slot)
    {
        int hole = slot - shardBase;
        int j = hole;
        while (true)
        {
            j = (j + 1) & _slotMask;
            ref Entry candidate = ref _entries[shardBase + j];
            if (candidate.State == ConnectionState.None)
            {
                break;
            }

            int home = (int)(candidate.Hash & (uint)_slotMask);
            bool stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (stays)
            {
                continue;
            }

            _entries[shardBase + hole] = candidate;
            _grants[shardBase + hole] = _grants[shardBase + j];
            _programs[shardBase + hole] = _programs[shardBase + j];
            hole = j;
        }

        _entries[shardBase + hole] = default;
        _grants[shardBase + hole] = null;
        _programs[shardBase + hole] = null;
        shard.Count--;
    }

    private int SweepShard(ref Shard shard, int shardBase, long now)
    {
        int removed = 0;
        for (int i = 0; i < _slotsPerShard;)
        {
            ref Entry e = ref _entries[shardBase + i];
            if (e.State != ConnectionState.None && now >= e.ExpiresAt)
            {
                Remove(ref shard, shardBase, shardBase + i);
                removed++;
                continue; // the shift may have moved another entry here
            }

            i++;
        }

        Interlocked.Add(ref _expired, removed);
        return removed;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Enter(ref Shard shard)
    {
        if (Interlocked.CompareExchange(ref shard.Lock, 1, 0) != 0)
        {
            EnterContended(ref shard);
        }
    }

    private static void EnterContended(ref Shard shard)
    {
        var spin = default(SpinWait);
        while (Volatile.Read(ref shard.Lock) != 0 || Interlocked.CompareExchange(ref shard.Lock, 1, 0) != 0)
        {
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Exit(ref Shard shard) => Volatile.Write(ref shard.Lock, 0);

    private struct Entry
    {
        public UInt128 Source;
        public UInt128 Destination;
        public long ExpiresAt;
        public long PolicyVersion;
        public uint Hash;
        public uint Spi;
        public int RuleIndex;
        public ushort SourcePort;
        public ushort DestinationPort;
        public byte Protocol;
        public ConnectionState State;
        public byte Bits;
        public OutboundAction Action;
    }

    // One cache line per shard, so two threads on two shards do not share one.
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct Shard
    {
        [FieldOffset(0)]
        public int Lock;

        [FieldOffset(4)]
        public int Count;

        [FieldOffset(8)]
        public long LastSweep;
    }
}
