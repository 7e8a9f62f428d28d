using System.Buffers.Binary;
using IpsecFw.Spd.Packets;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.State;

/// <summary>
/// Reassembles IPv4 (RFC 791 3.2, RFC 815) and IPv6 (RFC 8200 4.5) fragments before the policy decision, so that the
/// SPD and connection tracking always see whole transport headers; what cannot be reassembled safely is dropped and
/// counted (<see cref="FragmentDropReason"/>). The rules: any overlap between fragments of one datagram, other than an
/// exact duplicate, drops the whole datagram and every later fragment of it until its timeout (RFC 5722, applied to
/// IPv4 too: overlapping fragments are how a packet can look harmless to a filter and different to the receiver,
/// RFC 1858 and the paper's stealth scan); a first fragment must hold the whole transport header (RFC 1858) and, for
/// IPv6, the whole header chain (RFC 7112); a later fragment may not start inside that header; a non-last fragment's
/// length is a multiple of 8; no datagram exceeds 65,535 bytes; limits per source and in total (<see cref="ReassemblyLimits"/>);
/// timeouts 30 s (IPv4) and 60 s (IPv6). No ICMP Time Exceeded is sent for abandoned datagrams.
/// <para>
/// Every buffer is allocated at construction; <see cref="Submit"/> allocates nothing. Not thread-safe: one reassembler
/// per packet thread (the inbound loop's). Time is a monotonic millisecond clock the caller passes in.
/// </para>
/// </summary>
public sealed partial class FragmentReassembler
{
    private readonly ReassemblyLimits _limits;
    private readonly int _slotSize;
    private readonly byte[] _buffer;
    private readonly Slot[] _slots;
    private readonly int[] _rangeStart;
    private readonly int[] _rangeEnd;
    private readonly long[] _drops = new long[Enum.GetValues<FragmentDropReason>().Length];
    private int _heldBytes;
    private int _completed = -1;

    /// <summary>Creates a reassembler with its buffers; <paramref name="limits"/> defaults to <see cref="ReassemblyLimits.Default"/>.</summary>
    public FragmentReassembler(ReassemblyLimits? limits = null)
    {
        _limits = limits ?? ReassemblyLimits.Default;
        ArgumentOutOfRangeException.ThrowIfLessThan(_limits.MaxDatagrams, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_limits.MaxFragmentsPerDatagram, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_limits.MaxHeaderLength, 60);
        _slotSize = _limits.MaxHeaderLength + MaxPayload;
        _buffer = GC.AllocateUninitializedArray<byte>(_slotSize * _limits.MaxDatagrams);
        _slots = new Slot[_limits.MaxDatagrams];
        _rangeStart = new int[_limits.MaxDatagrams * _limits.MaxFragmentsPerDatagram];
        _rangeEnd = new int[_rangeStart.Length];
    }

    private const int MaxPayload = 65_535;

    /// <summary>Datagrams in reassembly (incomplete or poisoned).</summary>
    public int Pending
    {
        get
        {
            int n = 0;
            foreach (Slot s in _slots)
            {
                n += s.State is SlotState.Active or SlotState.Poisoned ? 1 : 0;
            }

            return n;
        }
    }

    /// <summary>Fragment bytes held now.</summary>
    public int HeldBytes => _heldBytes;

    /// <summary>How many fragments (or datagrams, for <see cref="FragmentDropReason.Timeout"/>) were dropped for this reason.</summary>
    public long Drops(FragmentDropReason reason) => _drops[(int)reason];

    /// <summary>
    /// Takes one packet. Not a fragment: <see cref="ReassemblyStatus.NotFragment"/> (decide on the packet itself). A
    /// fragment: stored (<see cref="ReassemblyStatus.Held"/>), or it completes its datagram
    /// (<see cref="ReassemblyStatus.Complete"/>: <paramref name="datagram"/> is the whole packet, valid until the next
    /// call), or it is dropped with <paramref name="reason"/>. Never throws.
    /// </summary>
    public ReassemblyStatus Submit(ReadOnlySpan<byte> packet, long now, out ReadOnlySpan<byte> datagram, out FragmentDropReason reason)
    {
        datagram = default;
        reason = FragmentDropReason.None;
        if (_completed >= 0)
        {
            _slots[_completed] = default;
            _completed = -1;
        }

        if (packet.IsEmpty)
        {
            return ReassemblyStatus.NotFragment;
        }

        return (packet[0] >> 4) switch
        {
            4 => SubmitV4(packet, now, out datagram, out reason),
            6 => SubmitV6(packet, now, out datagram, out reason),
            _ => ReassemblyStatus.NotFragment,
        };
    }

    /// <summary>Abandons every datagram whose timeout has passed (counted as <see cref="FragmentDropReason.Timeout"/>); returns how many.</summary>
    public int Expire(long now)
    {
        int n = 0;
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i].State is SlotState.Active or SlotState.Poisoned && now >= _slots[i].ExpiresAt)
            {
                Abandon(i);
                n++;
            }
        }

        return n;
    }

    private ReassemblyStatus SubmitV4(ReadOnlySpan<byte> packet, long now, out ReadOnlySpan<byte> datagram, out FragmentDropReason reason)
    {
        datagram = default;
        reason = FragmentDropReason.None;
        if (packet.Length < IpHeaders.V4MinHeader)
        {
            return ReassemblyStatus.NotFragment; // the classifier reports malformed packets
        }

        int headerLength = (packet[0] & 0x0F) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(packet[IpHeaders.V4TotalLengthOffset..]);
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(packet[IpHeaders.V4FlagsOffset..]);
        bool more = (flags & IpHeaders.V4MoreFragments) != 0;
        int start = (flags & IpHeaders.V4OffsetMask) * 8;
        if (!more && start == 0)
        {
            return ReassemblyStatus.NotFragment;
        }

        if (headerLength < IpHeaders.V4MinHeader || total < headerLength || total > packet.Length)
        {
            return Drop(FragmentDropReason.Malformed, out reason);
        }

        var key = new Key(
            IpAddressCodec.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(packet[IpHeaders.V4SourceOffset..])),
            IpAddressCodec.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(packet[IpHeaders.V4DestinationOffset..])),
            BinaryPrimitives.ReadUInt16BigEndian(packet[IpHeaders.V4IdOffset..]),
            packet[IpHeaders.V4ProtocolOffset], IsIPv6: false);
        ReadOnlySpan<byte> data = packet[headerLength..total];
        if (headerLength + start + data.Length > MaxPayload)
        {
            return Drop(FragmentDropReason.TooBig, out reason);
        }

        int minimum = IpHeaders.MinTransportHeader(key.Protocol);
        if ((start == 0 && data.Length < minimum) || (start > 0 && start < minimum))
        {
            return Drop(FragmentDropReason.TinyFragment, out reason);
        }

        var fragment = new Fragment(start, more, data, packet[..headerLength], -1, key.Protocol);
        return Accept(key, fragment, now, _limits.IPv4Timeout, atomic: false, out datagram, out reason);
    }

    private ReassemblyStatus Accept(scoped in Key key, scoped in Fragment fragment, long now, long timeout, bool atomic,
        out ReadOnlySpan<byte> datagram, out FragmentDropReason reason)
    {
        datagram = default;
        reason = FragmentDropReason.None;
        int length = fragment.Data.Length;
        int end = fragment.Start + length;
        if (length == 0 || (fragment.More && length % 8 != 0))
        {
            return Drop(FragmentDropReason.Malformed, out reason);
        }

        int slot = atomic ? -1 : FindSlot(key, now);
        if (slot >= 0 && _slots[slot].State == SlotState.Poisoned)
        {
            return Drop(FragmentDropReason.Poisoned, out reason);
        }

        if (slot < 0)
        {
            if (!TryAllocate(key, now, timeout, out slot, out FragmentDropReason refused))
            {
                return Drop(refused, out reason);
            }
        }

        ref Slot s = ref _slots[slot];
        int ranges = slot * _limits.MaxFragmentsPerDatagram;
        Span<byte> payload = _buffer.AsSpan((slot * _slotSize) + _limits.MaxHeaderLength, MaxPayload);
        for (int i = 0; i < s.Fragments; i++)
        {
            int a = _rangeStart[ranges + i], b = _rangeEnd[ranges + i];
            if (a == fragment.Start && b == end && payload[a..b].SequenceEqual(fragment.Data))
            {
                return Drop(FragmentDropReason.Duplicate, out reason); // the copy only; the datagram stays
            }

            if (fragment.Start < b && a < end)
            {
                Poison(slot);
                return Drop(FragmentDropReason.Overlap, out reason);
            }
        }

        if ((!fragment.More && ((s.End >= 0 && s.End != end) || s.MaxEnd > end)) || (s.End >= 0 && end > s.End))
        {
            Poison(slot);
            return Drop(FragmentDropReason.InconsistentLength, out reason);
        }

        if (s.Fragments >= _limits.MaxFragmentsPerDatagram)
        {
            Poison(slot);
            return Drop(FragmentDropReason.TooManyFragments, out reason);
        }

        if (_heldBytes + length > _limits.MaxBytes)
        {
            if (s.Fragments == 0)
            {
                Abandon(slot, count: false);
            }

            return Drop(FragmentDropReason.MemoryLimit, out reason);
        }

        if (fragment.Start == 0)
        {
            if (fragment.Header.Length > _limits.MaxHeaderLength)
            {
                if (s.Fragments == 0)
                {
                    Abandon(slot, count: false);
                }

                return Drop(FragmentDropReason.HeaderTooLong, out reason);
            }

            fragment.Header.CopyTo(_buffer.AsSpan((slot * _slotSize) + _limits.MaxHeaderLength - fragment.Header.Length));
            s.HeaderLength = fragment.Header.Length;
            s.NextHeaderOffset = fragment.NextHeaderOffset;
            s.UpperProtocol = fragment.UpperProtocol;
        }

        fragment.Data.CopyTo(payload[fragment.Start..]);
        _rangeStart[ranges + s.Fragments] = fragment.Start;
        _rangeEnd[ranges + s.Fragments] = end;
        s.Fragments++;
        s.Received += length;
        s.MaxEnd = Math.Max(s.MaxEnd, end);
        if (!fragment.More)
        {
            s.End = end;
        }

        _heldBytes += length;
        if (s.End < 0 || s.Received != s.End || s.HeaderLength == 0)
        {
            return ReassemblyStatus.Held;
        }

        // No overlaps and as many bytes as the datagram is long: every byte is there.
        datagram = Complete(slot);
        return ReassemblyStatus.Complete;
    }

    private ReadOnlySpan<byte> Complete(int slot)
    {
        ref Slot s = ref _slots[slot];
        int headerStart = (slot * _slotSize) + _limits.MaxHeaderLength - s.HeaderLength;
        Span<byte> whole = _buffer.AsSpan(headerStart, s.HeaderLength + s.End);
        if (s.Key.IsIPv6)
        {
            // RFC 8200 4.5: the Next Header field of the last unfragmentable header takes the Fragment header's Next
            // Header; the Payload Length is recomputed; the Fragment header itself is gone.
            whole[s.NextHeaderOffset] = s.UpperProtocol;
            BinaryPrimitives.WriteUInt16BigEndian(whole[IpHeaders.V6PayloadLengthOffset..], (ushort)(whole.Length - IpHeaders.V6Header));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(whole[IpHeaders.V4TotalLengthOffset..], (ushort)whole.Length);
            ushort flags = BinaryPrimitives.ReadUInt16BigEndian(whole[IpHeaders.V4FlagsOffset..]);
            BinaryPrimitives.WriteUInt16BigEndian(whole[IpHeaders.V4FlagsOffset..], (ushort)(flags & 0x4000)); // keep DF only
            whole[IpHeaders.V4ChecksumOffset] = 0;
            whole[IpHeaders.V4ChecksumOffset + 1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(whole[IpHeaders.V4ChecksumOffset..], HeaderChecksum(whole[..s.HeaderLength]));
        }

        _heldBytes -= s.Received;
        s.Received = 0;
        s.State = SlotState.Completed;
        _completed = slot;
        return whole;
    }

    // RFC 791 3.1 / RFC 1071: the one's complement of the one's complement sum of the header's 16-bit words.
    internal static ushort HeaderChecksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    private int FindSlot(in Key key, long now)
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i].State is SlotState.Active or SlotState.Poisoned && _slots[i].Key == key)
            {
                if (now >= _slots[i].ExpiresAt)
                {
                    Abandon(i);
                    return -1;
                }

                return i;
            }
        }

        return -1;
    }

    private bool TryAllocate(in Key key, long now, long timeout, out int slot, out FragmentDropReason refused)
    {
        slot = -1;
        refused = FragmentDropReason.None;
        int fromSource = 0;
        for (int i = 0; i < _slots.Length; i++)
        {
            if (_slots[i].State is SlotState.Active or SlotState.Poisoned && now >= _slots[i].ExpiresAt)
            {
                Abandon(i);
            }

            if (_slots[i].State == SlotState.Free)
            {
                slot = slot < 0 ? i : slot;
            }
            else if (_slots[i].Key.Source == key.Source)
            {
                fromSource++;
            }
        }

        if (fromSource >= _limits.MaxPerSource)
        {
            slot = -1;
            refused = FragmentDropReason.PerSourceLimit;
            return false;
        }

        if (slot < 0)
        {
            refused = FragmentDropReason.TableFull;
            return false;
        }

        _slots[slot] = new Slot { Key = key, State = SlotState.Active, ExpiresAt = now + timeout, End = -1, NextHeaderOffset = -1 };
        return true;
    }

    private void Poison(int slot)
    {
        ref Slot s = ref _slots[slot];
        _heldBytes -= s.Received;
        s.Received = 0;
        s.Fragments = 0;
        s.State = SlotState.Poisoned; // keeps its key and expiry: later fragments of the datagram are dropped too
    }

    private void Abandon(int slot, bool count = true)
    {
        if (count && _slots[slot].State == SlotState.Active)
        {
            _drops[(int)FragmentDropReason.Timeout]++;
        }

        _heldBytes -= _slots[slot].Received;
        _slots[slot] = default;
    }

    private ReassemblyStatus Drop(FragmentDropReason why, out FragmentDropReason reason)
    {
        _drops[(int)why]++;
        reason = why;
        return ReassemblyStatus.Dropped;
    }

    private enum SlotState : byte
    {
        Free,
        Active,
        Poisoned,
        Completed,
    }

    // RFC 791: source, destination, protocol and identification; RFC 8200 4.5: source, destination and identification.
    private readonly record struct Key(UInt128 Source, UInt128 Destination, uint Id, byte Protocol, bool IsIPv6);

    private readonly ref struct Fragment
    {
        public Fragment(int start, bool more, ReadOnlySpan<byte> data, ReadOnlySpan<byte> header, int nextHeaderOffset, byte upperProtocol)
        {
            Start = start;
            More = more;
            Data = data;
            Header = header;
            NextHeaderOffset = nextHeaderOffset;
            UpperProtocol = upperProtocol;
        }

        public int Start { get; }

        public bool More { get; }

        public ReadOnlySpan<byte> Data { get; }

        public ReadOnlySpan<byte> Header { get; }

        public int NextHeaderOffset { get; }

        public byte UpperProtocol { get; }
    }

    private struct Slot
    {
        public Key Key;
        public SlotState State;
        public long ExpiresAt;
        public int Fragments;
        public int Received;
        public int End;
        public int MaxEnd;
        public int HeaderLength;
        public int NextHeaderOffset;
        public byte UpperProtocol;
    }
}
