namespace IpsecFw.Host.Platform;

/// <summary>
/// One packet the kernel logged to an NFLOG group, as <see cref="NflogMessages.Read"/> found it: views into the
/// received datagram (valid until the buffer is reused), nothing copied.
/// </summary>
internal readonly ref struct NflogPacket
{
    /// <summary>A packet of <paramref name="family"/> logged with <paramref name="prefix"/>.</summary>
    public NflogPacket(byte family, ushort group, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> payload, uint inDevice, uint outDevice)
    {
        Family = family;
        Group = group;
        Prefix = prefix;
        Payload = payload;
        InDevice = inDevice;
        OutDevice = outDevice;
    }

    /// <summary>The protocol family of <c>nfgenmsg</c> (<c>NFPROTO_IPV4</c> 2, <c>NFPROTO_IPV6</c> 10).</summary>
    public byte Family { get; }

    /// <summary>The NFLOG group (<c>res_id</c>).</summary>
    public ushort Group { get; }

    /// <summary><c>NFULA_PREFIX</c>: the rule's log prefix, with its terminating NUL if the kernel sent one.</summary>
    public ReadOnlySpan<byte> Prefix { get; }

    /// <summary><c>NFULA_PAYLOAD</c>: the packet from its network header, cut to the copy range.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary><c>NFULA_IFINDEX_INDEV</c>: the interface it arrived on (input hook), or 0.</summary>
    public uint InDevice { get; }

    /// <summary><c>NFULA_IFINDEX_OUTDEV</c>: the interface it leaves by (output hook), or 0.</summary>
    public uint OutDevice { get; }
}
