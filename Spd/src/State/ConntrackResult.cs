namespace IpsecFw.Spd.State;

/// <summary>The outcome of <see cref="ConnectionTable.Update"/> for one packet.</summary>
public enum ConntrackResult : byte
{
    /// <summary>No live connection: the packet starts a new flow and needs a policy decision.</summary>
    New,

    /// <summary>A packet of a tracked connection, in the direction that opened it: it passes.</summary>
    Original,

    /// <summary>A reply of a tracked connection: it passes.</summary>
    Reply,

    /// <summary>
    /// A packet of a tracked connection that its state does not allow (an ACK before the SYN-ACK, a second SYN on an
    /// established connection, an echo request in the reply direction): drop it. The state is unchanged.
    /// </summary>
    Invalid,
}
