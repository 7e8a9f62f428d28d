using System.Runtime.InteropServices;

namespace IpsecFw.Tun.Offload;

/// <summary>
/// <c>struct virtio_net_hdr</c> from <c>&lt;linux/virtio_net.h&gt;</c>, the 10 bytes in front of every packet read from or
/// written to a TUN queue opened with <c>IFF_VNET_HDR</c> (and <c>TUNSETVNETHDRSZ</c> 10):
/// <code>
/// struct virtio_net_hdr {
///     __u8     flags;        // VIRTIO_NET_HDR_F_NEEDS_CSUM 1, VIRTIO_NET_HDR_F_DATA_VALID 2
///     __u8     gso_type;     // VIRTIO_NET_HDR_GSO_NONE 0, TCPV4 1, UDP 3, TCPV6 4, UDP_L4 5; | ECN 0x80
///     __virtio16 hdr_len;    // length of the headers (IP + TCP) to copy into each segment
///     __virtio16 gso_size;   // payload bytes per segment (the MSS)
///     __virtio16 csum_start; // where the checksummed part starts (the transport header)
///     __virtio16 csum_offset;// where, from csum_start, the checksum goes (TCP 16, UDP 6)
/// };
/// </code>
/// The 16-bit fields are in the host's byte order: a TUN device uses legacy virtio, whose byte order is the host's unless
/// TUNSETVNETBE/TUNSETVNETLE say otherwise, and we never call those.
/// </summary>
internal struct VirtioNetHeader
{
    /// <summary><c>sizeof(struct virtio_net_hdr)</c>.</summary>
    public const int Size = 10;

    /// <summary><c>VIRTIO_NET_HDR_F_NEEDS_CSUM</c>: the checksum at csum_start + csum_offset holds only the pseudo-header sum.</summary>
    public const byte FlagNeedsChecksum = 1;

    /// <summary><c>VIRTIO_NET_HDR_GSO_NONE</c>.</summary>
    public const byte GsoNone = 0;

    /// <summary><c>VIRTIO_NET_HDR_GSO_TCPV4</c>.</summary>
    public const byte GsoTcpV4 = 1;

    /// <summary><c>VIRTIO_NET_HDR_GSO_TCPV6</c>.</summary>
    public const byte GsoTcpV6 = 4;

    /// <summary><c>VIRTIO_NET_HDR_GSO_ECN</c>: a flag on gso_type (the segments carry CWR/ECE as TCP says).</summary>
    public const byte GsoEcn = 0x80;

    public byte Flags;
    public byte GsoType;
    public ushort HeaderLength;
    public ushort GsoSize;
    public ushort ChecksumStart;
    public ushort ChecksumOffset;

    /// <summary>Reads the header from the first <see cref="Size"/> bytes of <paramref name="source"/>.</summary>
    public static VirtioNetHeader Read(ReadOnlySpan<byte> source) => new()
    {
        Flags = source[0],
        GsoType = source[1],
        HeaderLength = MemoryMarshal.Read<ushort>(source[2..]),
        GsoSize = MemoryMarshal.Read<ushort>(source[4..]),
        ChecksumStart = MemoryMarshal.Read<ushort>(source[6..]),
        ChecksumOffset = MemoryMarshal.Read<ushort>(source[8..]),
    };

    /// <summary>Writes the header into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public readonly void Write(Span<byte> destination)
    {
        destination[0] = Flags;
        destination[1] = GsoType;
        MemoryMarshal.Write(destination[2..], HeaderLength);
        MemoryMarshal.Write(destination[4..], GsoSize);
        MemoryMarshal.Write(destination[6..], ChecksumStart);
        MemoryMarshal.Write(destination[8..], ChecksumOffset);
    }
}
