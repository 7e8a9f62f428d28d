namespace IpsecFw.Ike.Messages;

/// <summary>IKEv2 exchange types (RFC 7296 3.1; IANA "IKEv2 Exchange Types").</summary>
public enum ExchangeType : byte
{
    /// <summary>IKE_SA_INIT.</summary>
    IkeSaInit = 34,

    /// <summary>IKE_AUTH.</summary>
    IkeAuth = 35,

    /// <summary>CREATE_CHILD_SA.</summary>
    CreateChildSa = 36,

    /// <summary>INFORMATIONAL.</summary>
    Informational = 37,

    /// <summary>IKE_SESSION_RESUME (RFC 5723).</summary>
    IkeSessionResume = 38,

    /// <summary>IKE_INTERMEDIATE (RFC 9242).</summary>
    IkeIntermediate = 43,

    /// <summary>IKE_FOLLOWUP_KE (RFC 9370).</summary>
    IkeFollowupKe = 44,
}
