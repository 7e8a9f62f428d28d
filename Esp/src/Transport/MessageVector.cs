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

    private readonly MMsgHdr[] _headers;
    private readonly IoVec[] _iovecs;
    private readonly byte[] _names;

    public MessageVector(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Count = count;
        _headers = GC.AllocateArray<MMsgHdr>(count, pinned: true);
        _iovecs = GC.AllocateArray<IoVec>(count, pinned: true);
        _names = GC.AllocateArray<byte>(count * NameSize, pinned: true);
    }

    /// <summary>How many messages one call can carry.</summary>
    public int Count { get; }

    /// <summary>The first header (the arrays are pinned: the pointer stays valid for the vector's life).</summary>
    public MMsgHdr* Headers => (MMsgHdr*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_headers));

    private IoVec* Iovecs => (IoVec*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_iovecs));

    private byte* Names => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_names));

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

    /// <summary>Points message <paramref name="i"/> at <paramref name="b"/>'s packet, to <paramref name="name"/>.</summary>
    public void PrepareSend(int i, PacketBuffer b, byte* name, int nameLength)
    {
        IoVec* iov = Iovecs + i;
        iov->Base = BufferStart(b) + b.Offset;
        iov->Length = (nuint)b.Length;
        ref MMsgHdr m = ref _headers[i];
        m.Header = new MsgHdr { Name = name, NameLength = (uint)nameLength, Iov = iov, IovLength = 1 };
        m.Length = 0;
    }

    // PacketBuffer.Bytes lives on the pinned object heap: its address never changes.
    private static byte* BufferStart(PacketBuffer b) => (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(b.Bytes));
}
