namespace IpsecFw.Spd.State;

/// <summary>Why <see cref="FragmentReassembler"/> dropped a fragment or a datagram; each has a counter.</summary>
public enum FragmentDropReason : byte
{
    /// <summary>Nothing was dropped.</summary>
    None,

    /// <summary>Malformed IP header, or a non-last fragment whose length is not a multiple of 8 (RFC 8200 4.5), or an empty fragment.</summary>
    Malformed,

    /// <summary>The datagram would exceed 65,535 bytes (IPv4 total length; IPv6 payload length, RFC 8200 4.5).</summary>
    TooBig,

    /// <summary>
    /// The fragment overlaps another fragment of its datagram with different content or bounds: the whole datagram is
    /// dropped, and its later fragments too (RFC 5722 for IPv6; the same for IPv4 here, against the overlapping-fragment
    /// attacks of RFC 1858 and the stealth scans of the distributed-firewalls paper).
    /// </summary>
    Overlap,

    /// <summary>An exact duplicate of a fragment already held (same bounds, same bytes): only the copy is dropped (RFC 8200 4.5).</summary>
    Duplicate,

    /// <summary>A fragment of a datagram already dropped for an overlap or an inconsistent length, until it times out.</summary>
    Poisoned,

    /// <summary>
    /// A first fragment that does not hold the whole transport header (RFC 1858 "tiny fragment"; for IPv6 the whole
    /// header chain, RFC 7112), or a later fragment that starts inside it (RFC 1858 3.4 "FO=1").
    /// </summary>
    TinyFragment,

    /// <summary>Two last fragments with different ends, or data beyond the end the last fragment gave: the whole datagram is dropped.</summary>
    InconsistentLength,

    /// <summary>More fragments than the per-datagram limit: the whole datagram is dropped.</summary>
    TooManyFragments,

    /// <summary>The source already has its limit of datagrams in reassembly.</summary>
    PerSourceLimit,

    /// <summary>Every reassembly slot is in use.</summary>
    TableFull,

    /// <summary>The bytes held for all datagrams would exceed the limit.</summary>
    MemoryLimit,

    /// <summary>An IPv6 unfragmentable part longer than the room kept for headers.</summary>
    HeaderTooLong,

    /// <summary>A datagram abandoned incomplete when its timeout passed (counted once per datagram).</summary>
    Timeout,
}
