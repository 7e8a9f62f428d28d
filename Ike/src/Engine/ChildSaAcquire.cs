namespace IpsecFw.Ike.Engine;

/// <summary>What <see cref="IkeEngine.AcquireChildAsync"/> did for an acquire.</summary>
public enum ChildSaAcquire : byte
{
    /// <summary>No IKE SA with the peer: the caller starts one (its IKE_AUTH brings the first CHILD_SA).</summary>
    NoIkeSa,

    /// <summary>An IKE SA with the peer is being negotiated: its CHILD_SA comes with it.</summary>
    IkeSaNegotiating,

    /// <summary>The established IKE SA has a live pair already (it came up meanwhile): the held packets can go.</summary>
    Installed,

    /// <summary>A CREATE_CHILD_SA for a new pair was sent on the established IKE SA.</summary>
    Creating,

    /// <summary>One was already on its way: nothing more was sent.</summary>
    AlreadyCreating,

    /// <summary>The IKE SA could not start one (its key exchange could not be created).</summary>
    Failed,
}
