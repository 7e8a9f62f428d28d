namespace IpsecFw.Ike.Messages;

/// <summary>Transform types (RFC 7296 3.3.2; IANA "Transform Type Values").</summary>
public enum TransformType : byte
{
    /// <summary>ENCR.</summary>
    Encryption = 1,

    /// <summary>PRF.</summary>
    Prf = 2,

    /// <summary>INTEG.</summary>
    Integrity = 3,

    /// <summary>D-H, renamed Key Exchange Method by RFC 9370.</summary>
    KeyExchange = 4,

    /// <summary>ESN.</summary>
    ExtendedSequenceNumbers = 5,
}
