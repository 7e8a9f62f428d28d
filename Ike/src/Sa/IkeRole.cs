namespace IpsecFw.Ike.Sa;

/// <summary>Which side of the IKE SA this host is (RFC 7296 2.2: the original initiator keeps the I flag).</summary>
public enum IkeRole
{
    /// <summary>Sent the first IKE_SA_INIT.</summary>
    Initiator,

    /// <summary>Answered it.</summary>
    Responder,
}
