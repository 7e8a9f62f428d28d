namespace IpsecFw.Spd.State;

/// <summary>The outcome of <see cref="FragmentReassembler.Submit"/>.</summary>
public enum ReassemblyStatus : byte
{
    /// <summary>Not a fragment: decide on the packet as it is.</summary>
    NotFragment,

    /// <summary>A fragment was stored; its datagram is not complete yet.</summary>
    Held,

    /// <summary>This fragment completed a datagram: the reassembled datagram is handed back for the policy decision.</summary>
    Complete,

    /// <summary>The fragment was dropped (and, for some reasons, its whole datagram); the reason is given and counted.</summary>
    Dropped,
}
