namespace IpsecFw.Ike.Messages;

/// <summary>CFG types of the configuration payload (RFC 7296 3.15).</summary>
public enum ConfigurationType : byte
{
    /// <summary>CFG_REQUEST.</summary>
    Request = 1,

    /// <summary>CFG_REPLY.</summary>
    Reply = 2,

    /// <summary>CFG_SET.</summary>
    Set = 3,

    /// <summary>CFG_ACK.</summary>
    Ack = 4,
}
