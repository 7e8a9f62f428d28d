namespace IpsecFw.Ike.Messages;

/// <summary>Values that RFC 7296 fixes (as opposed to <see cref="Limits"/>, which are our choices).</summary>
public static class IkeSpec
{
    /// <summary>IKEv2 major version (RFC 7296 3.1).</summary>
    public const byte MajorVersion = 2;

    /// <summary>The minor version we send (RFC 7296 3.1: 0).</summary>
    public const byte MinorVersion = 0;

    /// <summary>Size of the IKE header (RFC 7296 3.1).</summary>
    public const int HeaderSize = 28;

    /// <summary>Size of the generic payload header (RFC 7296 3.2).</summary>
    public const int GenericPayloadHeaderSize = 4;

    /// <summary>Smallest nonce (RFC 7296 2.10: at least 128 bits).</summary>
    public const int MinNonceLength = 16;

    /// <summary>Largest nonce (RFC 7296 2.10: at most 256 bytes).</summary>
    public const int MaxNonceLength = 256;

    /// <summary>Notify types below this are errors (RFC 7296 3.10.1).</summary>
    public const int FirstStatusNotifyType = 16384;

    /// <summary>The non-ESP marker that precedes IKE on UDP/4500 (RFC 3948 2.2).</summary>
    public const int NonEspMarkerSize = 4;

    /// <summary>The UDP port for IKE.</summary>
    public const int IkePort = 500;

    /// <summary>The UDP port for IKE and ESP behind NAT (RFC 3948).</summary>
    public const int NatTraversalPort = 4500;
}
