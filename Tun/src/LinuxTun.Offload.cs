using System.Runtime.InteropServices;
using IpsecFw.Esp.Buffers;
using IpsecFw.Tun.Interop;
using IpsecFw.Tun.Offload;

namespace IpsecFw.Tun;

/// <summary>
/// The queue with <c>IFF_VNET_HDR</c> (<c>tun.offload</c>): every read and write carries a virtio-net header. A read
/// may return a TCP super-packet of up to 64 KB (TSO), split here into segments in the caller's buffers; a batch
/// written has its consecutive TCP segments of one flow merged into super-packets (GRO). wireguard-go's
/// <c>tun/offload_linux.go</c> and <c>tun/tun_linux.go</c> work the same way.
/// </summary>
public sealed partial class LinuxTun : IFrameWriter
{
    /// <summary>The largest read: the header and a 64 KB IP packet.</summary>
    private const int OffloadReadSize = VirtioNetHeader.Size + GroCoalescer.MaxSuperPacket;

    private readonly OffloadState? _offload;

    /// <summary>True when the queue was opened with <c>IFF_VNET_HDR</c> and TSO/checksum offloads.</summary>
    public bool HasOffload => _offload is not null;

    /// <summary>TCP super-packets read and split (0 without offloads).</summary>
    public long SuperPacketsRead => _offload is null ? 0 : Volatile.Read(ref _offload.SuperPacketsRead);

    /// <summary>Segments made from those super-packets.</summary>
    public long SegmentsSplit => _offload is null ? 0 : Volatile.Read(ref _offload.SegmentsSplit);

    /// <summary>Super-packets written after merging segments (0 without offloads).</summary>
    public long SuperPacketsWritten => _offload is null ? 0 : Volatile.Read(ref _offload.SuperPacketsWritten);

    /// <summary>Segments that went out inside those super-packets.</summary>
    public long SegmentsCoalesced => _offload is null ? 0 : Volatile.Read(ref _offload.SegmentsCoalesced);

    /// <summary>Packets read with offloads and dropped for <paramref name="reason"/> (0 for <see cref="OffloadDrop.None"/>).</summary>
    public long OffloadDrops(OffloadDrop reason) =>
        _offload is null || reason == OffloadDrop.None || (int)reason >= _offload.Drops.Length ? 0 : Volatile.Read(ref _offload.Drops[(int)reason]);

    /// <summary>Reads with offloads until <paramref name="bufs"/> is full or the queue is empty; a super-packet's segments carry over.</summary>
    private unsafe int DrainOffload(int fd, Span<PacketBuffer> bufs, int offset)
    {
        OffloadState state = _offload!;
        GsoSplitter splitter = state.Splitter;
        int count = 0;
        while (count < bufs.Length)
        {
            PacketBuffer b = bufs[count];
            int room = b.Bytes.Length - offset - PacketBuffer.Tailroom;
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(room, nameof(offset));
            ArgumentOutOfRangeException.ThrowIfNegative(offset);
            if (splitter.HasPending)
            {
                // A super-packet's segments were sized for the buffer of the batch it was read in; buffers of one pool are alike.
                ArgumentOutOfRangeException.ThrowIfLessThan(room, state.LoadedRoom, nameof(bufs));
                b.Offset = offset;
                b.Length = splitter.Next(b.Bytes.AsSpan(offset, room));
                count++;
                continue;
            }

            nint n;
            fixed (byte* p = state.ReadBuffer)
            {
                n = LibC.Read(fd, p, OffloadReadSize);
            }

            if (n > 0)
            {
                if (n < VirtioNetHeader.Size)
                {
                    CountDrop(state, OffloadDrop.Truncated);
                    continue;
                }

                var header = VirtioNetHeader.Read(state.ReadBuffer);
                state.LoadedRoom = room;
                OffloadDrop drop = splitter.Load(state.ReadBuffer, VirtioNetHeader.Size, (int)n - VirtioNetHeader.Size, header, room);
                if (drop != OffloadDrop.None)
                {
                    CountDrop(state, drop);
                }
                else if (splitter.SuperPackets != state.SuperPacketsRead)
                {
                    Volatile.Write(ref state.SuperPacketsRead, splitter.SuperPackets);
                }

                continue;
            }

            int errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            switch (errno)
            {
                case LibC.EAgain:
                    Volatile.Write(ref state.SegmentsSplit, splitter.Segments);
                    return count;
                case LibC.EIntr:
                    continue;
                case LibC.EInval:
                    _readErrors++;
                    continue;
                default:
                    _readErrors++;
                    _failed = true;
                    return count;
            }
        }

        Volatile.Write(ref state.SegmentsSplit, splitter.Segments);
        return count;
    }

    /// <summary>Writes a batch with offloads: merged where possible, each frame behind its virtio-net header.</summary>
    private int WriteOffload(int fd, ReadOnlySpan<PacketBuffer> bufs)
    {
        OffloadState state = _offload!;
        lock (state.WriteLock)
        {
            state.WriteFd = fd;
            int written = state.Coalescer.Write(bufs, this);
            Volatile.Write(ref state.SuperPacketsWritten, state.Coalescer.SuperPackets);
            Volatile.Write(ref state.SegmentsCoalesced, state.Coalescer.Coalesced);
            if (written < bufs.Length)
            {
                Interlocked.Add(ref _writeDrops, bufs.Length - written);
            }

            return written;
        }
    }

    /// <inheritdoc/>
    unsafe bool IFrameWriter.WriteFrame(in VirtioNetHeader header, ReadOnlySpan<byte> packet)
    {
        byte* head = stackalloc byte[VirtioNetHeader.Size];
        header.Write(new Span<byte>(head, VirtioNetHeader.Size));
        IoVec* iov = stackalloc IoVec[2];
        nint n;
        // Every packet lives on the pinned object heap (pooled buffers, the coalescer's buffer): fixed moves nothing.
        fixed (byte* p = packet)
        {
            iov[0] = new IoVec { Base = head, Length = VirtioNetHeader.Size };
            iov[1] = new IoVec { Base = p, Length = (nuint)packet.Length };
            do
            {
                n = LibC.WriteV(_offload!.WriteFd, iov, 2);
            }
            while (n < 0 && Marshal.GetLastPInvokeError() == LibC.EIntr);
        }

        return n == VirtioNetHeader.Size + packet.Length;
    }

    private static void CountDrop(OffloadState state, OffloadDrop reason) => Interlocked.Increment(ref state.Drops[(int)reason]);

    /// <summary>What a queue with offloads owns: its read buffer, splitter, coalescer and counters.</summary>
    private sealed class OffloadState
    {
        public readonly byte[] ReadBuffer = GC.AllocateUninitializedArray<byte>(OffloadReadSize, pinned: true);
        public readonly GsoSplitter Splitter = new();
        public readonly GroCoalescer Coalescer = new();
        public readonly Lock WriteLock = new();
        public readonly long[] Drops = new long[Enum.GetValues<OffloadDrop>().Length];
        public int WriteFd;
        public int LoadedRoom;
        public long SuperPacketsRead;
        public long SegmentsSplit;
        public long SuperPacketsWritten;
        public long SegmentsCoalesced;
    }
}
