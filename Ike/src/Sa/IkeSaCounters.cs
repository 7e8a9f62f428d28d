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
}
