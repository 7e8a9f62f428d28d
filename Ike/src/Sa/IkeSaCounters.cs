namespace IpsecFw.Ike.Sa;

/// <summary>Per-SA message counters, for <c>ipsecfw sas</c> and the logs.</summary>
public sealed class IkeSaCounters
{
    /// <summary>Messages accepted.</summary>
    public long Received { get; internal set; }

    /// <summary>Messages sent, retransmissions included.</summary>
    public long Sent { get; internal set; }

    /// <summary>Retransmissions of our requests.</summary>
    public long Retransmissions { get; internal set; }

    /// <summary>Duplicate requests answered from the cached response (RFC 7296 2.1).</summary>
    public long DuplicatesAnswered { get; internal set; }

    /// <summary>Messages dropped: malformed, failed integrity, unexpected message ID or exchange.</summary>
    public long Dropped { get; internal set; }

    /// <summary>Encrypted Fragment messages sent (RFC 7383), retransmissions included; each also counts in <see cref="Sent"/>.</summary>
    public long FragmentsSent { get; internal set; }

    /// <summary>Encrypted Fragment messages whose ICV verified and that were kept for reassembly.</summary>
    public long FragmentsReceived { get; internal set; }

    /// <summary>Messages reassembled from fragments (each also counts in <see cref="Received"/> once processed).</summary>
    public long MessagesReassembled { get; internal set; }

    /// <summary>Encrypted Fragment messages dropped: failed ICV, duplicate, stale, over the bounds, or unexpected.</summary>
    public long FragmentsDropped { get; internal set; }
}
