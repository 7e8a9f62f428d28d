namespace IpsecFw.Ike.Messages;

/// <summary>Flags of the IKE header (RFC 7296 3.1); the other bits are reserved, sent as zero and ignored.</summary>
[Flags]
public enum IkeHeaderFlags : byte
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>I(nitiator): set by the original initiator of the IKE SA.</summary>
    Initiator = 0x08,

    /// <summary>V(ersion): the sender can speak a higher major version.</summary>
    Version = 0x10,

    /// <summary>R(esponse): this message is a response.</summary>
    Response = 0x20,
}
