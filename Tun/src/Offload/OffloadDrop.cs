namespace IpsecFw.Tun.Offload;

/// <summary>Why a packet read from a TUN queue with offloads was dropped instead of being split into segments.</summary>
public enum OffloadDrop
{
    /// <summary>Not dropped.</summary>
    None = 0,

    /// <summary>The read was shorter than the virtio-net header, or than the IP and TCP headers it describes.</summary>
    Truncated,

    /// <summary>csum_start/csum_offset point outside the packet (or not at a TCP checksum for a GSO packet).</summary>
    BadChecksumOffset,

    /// <summary>A GSO type other than TCPV4/TCPV6 (UDP fragmentation or segmentation offload, which we never ask for).</summary>
    UnsupportedGsoType,

    /// <summary>A TCP GSO packet with gso_size 0.</summary>
    ZeroGsoSize,

    /// <summary>hdr_len larger than the packet.</summary>
    BadHeaderLength,

    /// <summary>The IP header does not match the GSO type: wrong version, options length, protocol, fragments, extension headers.</summary>
    BadIpHeader,

    /// <summary>A segment (or a plain packet) larger than the buffer it must go into.</summary>
    TooLarge,
}
