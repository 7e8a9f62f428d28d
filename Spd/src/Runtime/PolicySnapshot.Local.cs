namespace IpsecFw.Spd.Runtime;

// What a specialised snapshot knows about its own host, for generators that work rule by rule (nftables).
public sealed partial class PolicySnapshot
{
    /// <summary>
    /// True when this host's own identity (the one given to <see cref="Specialize"/>) is in the group, so the group holds
    /// it whatever local address a flow uses. False before <see cref="Specialize"/>, for <c>*</c> (-1), and for a group
    /// that holds this host only through its addresses (then only flows to or from those addresses are its own).
    /// </summary>
    public bool IdentityHolds(int group) => group >= 0 && _self is not null && _self.Contains(group);
}
