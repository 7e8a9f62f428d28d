namespace IpsecFw.Esp.DataPath;

/// <summary>
/// What an <see cref="IPacketFilter"/> says about one inner packet. Everything but <see cref="Pass"/> takes the packet
/// off the path, and each value is counted per direction by <see cref="DataPathCounters"/>
/// (<c>ipsecfw.datapath.drops{reason}</c>, reason <c>policy_denied_in</c>, <c>conntrack_invalid_out</c>...).
/// </summary>
public enum PacketVerdict : byte
{
    /// <summary>The packet goes on (to the TUN device inbound, to sealing outbound).</summary>
    Pass,

    /// <summary>
    /// <c>fragment_held</c>: a fragment the filter keeps a copy of until its datagram is whole; not a drop (the
    /// fragment that completes the datagram carries it on), but the buffer leaves the path.
    /// </summary>
    FragmentHeld,

    /// <summary><c>policy_denied</c>: the first packet of a new flow, refused by the policy (a deny rule or the default deny).</summary>
    PolicyDenied,

    /// <summary>
    /// <c>conntrack_invalid</c>: a packet connection tracking refuses: one its TCP state does not allow, or a TCP packet
    /// that cannot open a connection (an ACK, FIN or RST without a SYN before it).
    /// </summary>
    ConntrackInvalid,

    /// <summary><c>conntrack_full</c>: the policy allowed a new flow but the connection table has no room for it.</summary>
    ConntrackFull,

    /// <summary><c>malformed</c>: the inner packet cannot be classified (truncated or inconsistent headers).</summary>
    Malformed,

    /// <summary><c>fragment_dropped</c>: the reassembler refused a fragment (overlap, tiny fragment, limits...), or the whole datagram is larger than a packet buffer.</summary>
    FragmentDropped,

    /// <summary><c>no_policy</c>: no policy is loaded yet; nothing passes (fail closed).</summary>
    NoPolicy,

    /// <summary>
    /// <c>process_denied</c>: a new flow refused because of its local program: a <c>process</c> rule would have
    /// allowed it for another program (or the program could not be found), or it arrived on a CHILD_SA dedicated to
    /// another program.
    /// </summary>
    ProcessDenied,

    /// <summary>
    /// <c>keyed_sa_pending</c>: the first packet of a flow that a <c>keyed</c> rule puts on a CHILD_SA of its own,
    /// while that CHILD_SA is being negotiated; dropped (the sender retransmits), not queued.
    /// </summary>
    KeyedSaPending,
}
