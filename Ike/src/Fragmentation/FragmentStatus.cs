namespace IpsecFw.Ike.Fragmentation;

/// <summary>What <see cref="FragmentReassembler.Submit"/> did with a fragment.</summary>
public enum FragmentStatus
{
    /// <summary>The fragment was not kept (see the <see cref="FragmentError"/>); what was kept before stays unless the error says otherwise.</summary>
    Rejected,

    /// <summary>The fragment was verified and kept; more are needed.</summary>
    Kept,

    /// <summary>The fragment completed the message: the reassembled message is returned and the reassembler is empty again.</summary>
    Complete,
}
