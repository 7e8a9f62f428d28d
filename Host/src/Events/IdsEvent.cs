using IpsecFw.Host.Daemon;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Events;

/// <summary>
/// One intrusion-detection event as the packet path records it into the <see cref="EventRing"/>: a fixed-size value
/// (no field is allocated for it: the flow and verdict are values, the peer and policy are references to objects that
/// exist anyway). The writer thread turns it into text (<see cref="EventRenderer"/>).
/// </summary>
internal struct IdsEvent
{
    /// <summary>What happened.</summary>
    public IdsEventKind Kind;

    /// <summary>When, in milliseconds since the Unix epoch (UTC).</summary>
    public long UnixMilliseconds;

    /// <summary>True for a packet arriving at (or an IKE_AUTH sent to) this host; false for a packet leaving it.</summary>
    public bool Inbound;

    /// <summary>
    /// <see cref="IdsEventKind.Denied"/>: the packet's flow. <see cref="IdsEventKind.IkeRefused"/>: the peer's address
    /// and port as source, ours as destination, UDP. <see cref="IdsEventKind.Suppressed"/>: the remote address as source.
    /// </summary>
    public FlowKey Flow;

    /// <summary>The SPI of the SA the packet came on or would leave on (<see cref="IdsEventKind.Denied"/>).</summary>
    public uint Spi;

    /// <summary><see cref="IdsEventKind.KernelDenied"/>: the index of the interface the packet came in on or would leave by (0: unknown).</summary>
    public uint Interface;

    /// <summary>The deciding rule, or the default deny (<see cref="IdsEventKind.Denied"/>, <see cref="IdsEventKind.KernelDenied"/>).</summary>
    public Verdict Verdict;

    /// <summary>The SA's peer (its certificate identity), or null when the SPI has none.</summary>
    public SaPeer? Peer;

    /// <summary>The policy that decided (for the rule's text and version); for a kernel drop, null when the rule is not the running policy's.</summary>
    public EnforcedPolicy? Policy;

    /// <summary><see cref="IdsEventKind.IkeRefused"/>: the reason's name (<c>not-allowed</c>, <c>bad-signature</c>...).</summary>
    public string? Reason;

    /// <summary><see cref="IdsEventKind.IkeRefused"/>: the refusal in words (peer identity included when it was authenticated).</summary>
    public string? Detail;

    /// <summary><see cref="IdsEventKind.IkeRefused"/>: the configured peer (<c>peers[].name</c>) whose settings answered.</summary>
    public string? PeerConfig;

    /// <summary><see cref="IdsEventKind.Suppressed"/>: how many events were suppressed.</summary>
    public long Count;

    /// <summary><see cref="IdsEventKind.Suppressed"/>: when the first of them was suppressed (ms since the epoch).</summary>
    public long SinceMilliseconds;

    /// <summary><see cref="IdsEventKind.Suppressed"/>: true when the count is of every remote address past the table's capacity.</summary>
    public bool OtherSources;
}
