namespace IpsecFw.Ike.Sa;

/// <summary>Where an IKE SA is in its life.</summary>
public enum IkeSaState
{
    /// <summary>Created, nothing sent.</summary>
    Idle,

    /// <summary>Initiator: IKE_SA_INIT request sent.</summary>
    InitSent,

    /// <summary>Responder: IKE_SA_INIT answered, waiting for IKE_AUTH (half-open).</summary>
    InitAnswered,

    /// <summary>Initiator: IKE_AUTH request sent.</summary>
    AuthSent,

    /// <summary>Both sides authenticated.</summary>
    Established,

    /// <summary>Replaced by a rekeyed IKE SA (RFC 7296 2.18); its CHILD_SAs moved there; waits for its DELETE.</summary>
    Rekeyed,

    /// <summary>A DELETE for the IKE SA is outstanding.</summary>
    Deleting,

    /// <summary>Gone; keys zeroed.</summary>
    Closed,
}
