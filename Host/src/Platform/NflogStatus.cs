namespace IpsecFw.Host.Platform;

/// <summary>What <see cref="NflogMessages.Read"/> found at one place of a datagram.</summary>
internal enum NflogStatus : byte
{
    /// <summary>A logged packet (<c>NFULNL_MSG_PACKET</c>) with its prefix and payload.</summary>
    Packet,

    /// <summary>Nothing more in the datagram.</summary>
    End,

    /// <summary>A message that is not a packet and not an error: an acknowledgement, <c>NLMSG_NOOP</c>, <c>NLMSG_DONE</c>, another subsystem's.</summary>
    Other,

    /// <summary>An <c>NLMSG_ERROR</c> with a non-zero errno (the answer to a configuration request).</summary>
    Error,

    /// <summary>The netlink header is short, or its length is below the header or past the datagram: the rest of the datagram is skipped.</summary>
    BadMessageLength,

    /// <summary>A packet message shorter than its <c>nfgenmsg</c>, or an attribute whose length is below 4 or past the message.</summary>
    BadAttribute,

    /// <summary>A packet message without <c>NFULA_PAYLOAD</c> (the group is not in packet copy mode).</summary>
    NoPayload,

    /// <summary>A packet message without <c>NFULA_PREFIX</c>.</summary>
    NoPrefix,
}
