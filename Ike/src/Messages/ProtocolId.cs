namespace IpsecFw.Ike.Messages;

/// <summary>Security protocol identifiers (RFC 7296 3.3.1).</summary>
public enum ProtocolId : byte
{
    /// <summary>No protocol (notifications about the IKE SA).</summary>
    None = 0,

    /// <summary>IKE.</summary>
    Ike = 1,

    /// <summary>AH.</summary>
    Ah = 2,

    /// <summary>ESP.</summary>
    Esp = 3,
}
