namespace IpsecFw.Spd.State;

/// <summary>
/// The bounds of <see cref="FragmentReassembler"/>; everything is preallocated from them at construction
/// (<see cref="MaxDatagrams"/> buffers of 65,535 bytes plus <see cref="MaxHeaderLength"/>). Immutable.
/// </summary>
public sealed record ReassemblyLimits
{
    /// <summary>The defaults listed on each property.</summary>
    public static ReassemblyLimits Default { get; } = new();

    /// <summary>Datagrams in reassembly at once, all sources together: 64 (about 4 MiB of buffers).</summary>
    public int MaxDatagrams { get; init; } = 64;

    /// <summary>Datagrams in reassembly at once from one source address: 8.</summary>
    public int MaxPerSource { get; init; } = 8;

    /// <summary>Fragment bytes held for all datagrams together: 1 MiB (Linux's <c>ipfrag_high_thresh</c> is 4 MiB per namespace).</summary>
    public int MaxBytes { get; init; } = 1 << 20;

    /// <summary>Fragments of one datagram: 64 (a 65,535-byte datagram over a 1,280-byte path needs 52).</summary>
    public int MaxFragmentsPerDatagram { get; init; } = 64;

    /// <summary>IPv4 reassembly timeout: 30 s (Linux's <c>ipfrag_time</c>; RFC 791 suggests 15 s as the lower bound).</summary>
    public long IPv4Timeout { get; init; } = 30_000;

    /// <summary>IPv6 reassembly timeout: 60 s (RFC 8200 4.5).</summary>
    public long IPv6Timeout { get; init; } = 60_000;

    /// <summary>Room for the IPv4 header (at most 60 bytes) or the IPv6 unfragmentable part: 512 bytes.</summary>
    public int MaxHeaderLength { get; init; } = 512;
}
