using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.Transport.Interop;

namespace IpsecFw.Esp.Transport;

/// <summary>
/// The preallocated <c>mmsghdr</c>/<c>iovec</c>/address arrays of one direction of <see cref="UdpBind"/>'s batched
/// system calls, on the pinned object heap (the kernel reads and writes them through pointers; nothing is allocated,
/// pinned or freed per batch, and nothing needs freeing: the GC reclaims them with the bind).
/// </summary>
/// <remarks>Owned by one thread at a time (the receiving thread, or a sender under the bind's send lock).</remarks>
internal sealed unsafe class MessageVector
{
    /// <summary>Room for one source address: <c>sockaddr_in6</c> is 28 bytes.</summary>
    public const int NameSize = 32;

    /// <summary><c>CMSG_SPACE(sizeof(uint16_t))</c> on LP64: a 16-byte <c>cmsghdr</c> and the segment size, aligned to 8.</summary>
    private const int ControlSize = 24;

    /// <summary><c>CMSG_LEN(sizeof(uint16_t))</c>.</summary>
    private const int ControlLength = 18;

    private readonly MMsgHdr[] _headers;
    private readonly IoVec[] _iovecs;
    private readonly byte[] _names;
    private readonly byte[] _control;

    public MessageVector(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        _headers = GC.AllocateArray<MMsgHdr>(count, pinned: true);
        _iovecs = GC.AllocateArray<IoVec>(count, pinned: true);
        _names = GC.AllocateArray<byte>(count * NameSize, pinned: true);
        _control = GC.AllocateArray<byte>(count * ControlSize, pinned: true);
        GroupStart = new int[count];
        GroupCount = new int[count];
    }

    /// <summary>On send: the index (in the caller's batch) of message <c>m</c>'s first buffer.</summary>
    public int[] GroupStart { get; }

    /// <summary>On send: how many buffers (datagrams) message <c>m</c> carries; more than one only with UDP GSO.</summary>
    public int[] GroupCount { get; }

    /// <summary>How many messages one call can carry.</summary>
    public int Count { get; }

    /// <summary>The first header (the arrays are pinned: the pointer stays valid for the vector's life).</summary>
    public MMsgHdr* Headers => (MMsgHdr*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_headers));

    private IoVec* Iovecs => (IoVec*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_iovecs));

    private byte* Names => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_names));

    private byte* Control => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_control));

    /// <summary>Points message <paramref name="i"/> at <paramref name="b"/>'s room behind the headroom and at its address slot.</summary>
    public void PrepareReceive(int i, PacketBuffer b)
    {
        IoVec* iov = Iovecs + i;
        iov->Base = BufferStart(b) + PacketBuffer.Headroom;
        iov->Length = (nuint)(b.Bytes.Length - PacketBuffer.Headroom);
        ref MMsgHdr m = ref _headers[i];
        m.Header = new MsgHdr { Name = Names + (i * NameSize), NameLength = NameSize, Iov = iov, IovLength = 1 };
        m.Length = 0;
    }

    /// <summary>Whether the kernel cut message <paramref name="i"/> short (<c>MSG_TRUNC</c>: the datagram was larger than the buffer).</summary>
    public bool Truncated(int i) => (_headers[i].Header.Flags & LinuxSocketCalls.MsgTrunc) != 0;

    /// <summary>The length of received message <paramref name="i"/>.</summary>
    public int ReceivedLength(int i) => (int)_headers[i].Length;

    /// <summary>Copies message <paramref name="i"/>'s source address into <paramref name="remote"/> (native <c>sockaddr</c> layout, as <see cref="SocketAddress"/> keeps it).</summary>
    public void CopySource(int i, SocketAddress remote)
    {
        int length = (int)Math.Min(_headers[i].Header.NameLength, (uint)Math.Min(NameSize, remote.Buffer.Length));
        new ReadOnlySpan<byte>(Names + (i * NameSize), length).CopyTo(remote.Buffer.Span);
        remote.Size = length;
    }

    /// <summary>Points iovec <paramref name="i"/> at <paramref name="b"/>'s packet.</summary>
    public void SetPacket(int i, PacketBuffer b)
    {
        IoVec* iov = Iovecs + i;
        iov->Base = BufferStart(b) + b.Offset;
        iov->Length = (nuint)b.Length;
    }

    /// <summary>
    /// Makes message <paramref name="m"/> the iovecs <c>[firstIov, firstIov + iovCount)</c> to <paramref name="name"/>.
    /// With <paramref name="segmentSize"/> &gt; 0 the message carries a <c>UDP_SEGMENT</c> control message: the kernel
    /// sends the concatenated iovecs as datagrams of that size (the last may be shorter; UDP GSO, Linux 4.18).
    /// </summary>
    public void SetMessage(int m, int firstIov, int iovCount, byte* name, int nameLength, int segmentSize)
    {
        ref MMsgHdr h = ref _headers[m];
        h.Header = new MsgHdr { Name = name, NameLength = (uint)nameLength, Iov = Iovecs + firstIov, IovLength = (nuint)iovCount };
        h.Length = 0;
        if (segmentSize > 0)
        {
            byte* c = Control + (m * ControlSize);
            *(nuint*)c = ControlLength;                           // cmsg_len
            *(int*)(c + sizeof(nuint)) = LinuxSocketCalls.SolUdp;  // cmsg_level
            *(int*)(c + sizeof(nuint) + sizeof(int)) = LinuxSocketCalls.UdpSegment; // cmsg_type
            *(ushort*)(c + sizeof(nuint) + (2 * sizeof(int))) = (ushort)segmentSize;
            h.Header.Control = c;
            h.Header.ControlLength = ControlSize;
        }
    }

    // PacketBuffer.Bytes lives on the pinned object heap: its address never changes.
    private static byte* BufferStart(PacketBuffer b) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(b.Bytes));
}
