using IpsecFw.Esp.Packet;

namespace IpsecFw.Esp.Buffers;

/// <summary>
/// A pooled packet buffer on the pinned object heap, so file-descriptor and socket I/O needs no per-call pinning.
/// A packet is read at <see cref="Headroom"/> so ESP can be added in front of it in place, with
/// <see cref="Tailroom"/> behind it for padding, trailer and ICV.
/// </summary>
/// <remarks>Owned by one stage of the data path at a time; not safe for concurrent use.</remarks>
public sealed class PacketBuffer
{
    /// <summary>Room in front of a packet read from TUN: outer IPv6 + UDP + ESP header and IV.</summary>
    public const int Headroom = Encapsulator.MaxHeadroom;

    /// <summary>Room behind a packet: ESP padding and trailer, ICV, and some TFC padding.</summary>
    public const int Tailroom = 64;

    /// <summary>The default largest packet: a 9,000-byte jumbo frame plus slack.</summary>
    public const int DefaultMaxPacket = 9216;

    /// <summary>Creates a buffer for packets of up to <paramref name="maxPacket"/> bytes.</summary>
    public PacketBuffer(int maxPacket = DefaultMaxPacket)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPacket, 64);
        Bytes = GC.AllocateUninitializedArray<byte>(Headroom + maxPacket + Tailroom, pinned: true);
        Offset = Headroom;
    }

    /// <summary>The whole backing array.</summary>
    public byte[] Bytes { get; }

    /// <summary>Where the packet starts.</summary>
    public int Offset { get; set; }

    /// <summary>The packet's length.</summary>
    public int Length { get; set; }

    /// <summary>The packet.</summary>
    public Span<byte> Packet => Bytes.AsSpan(Offset, Length);

    /// <summary>Resets offset and length for reuse.</summary>
    public void Reset()
    {
        Offset = Headroom;
        Length = 0;
    }
}
