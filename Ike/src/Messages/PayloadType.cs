namespace IpsecFw.Ike.Messages;

/// <summary>IKEv2 payload types (RFC 7296 3.2; IANA "IKEv2 Payload Types").</summary>
public enum PayloadType : byte
{
    /// <summary>No Next Payload.</summary>
    None = 0,

    /// <summary>SA.</summary>
    SecurityAssociation = 33,

    /// <summary>KE.</summary>
    KeyExchange = 34,

    /// <summary>IDi.</summary>
    IdentificationInitiator = 35,

    /// <summary>IDr.</summary>
    IdentificationResponder = 36,

    /// <summary>CERT.</summary>
    Certificate = 37,

    /// <summary>CERTREQ.</summary>
    CertificateRequest = 38,

    /// <summary>AUTH.</summary>
    Authentication = 39,

    /// <summary>Ni, Nr.</summary>
    Nonce = 40,

    /// <summary>N.</summary>
    Notify = 41,

    /// <summary>D.</summary>
    Delete = 42,

    /// <summary>V.</summary>
    VendorId = 43,

    /// <summary>TSi.</summary>
    TrafficSelectorInitiator = 44,

    /// <summary>TSr.</summary>
    TrafficSelectorResponder = 45,

    /// <summary>SK.</summary>
    Encrypted = 46,

    /// <summary>CP.</summary>
    Configuration = 47,

    /// <summary>EAP.</summary>
    Eap = 48,

    /// <summary>GSPM (RFC 6467).</summary>
    GenericSecurePasswordMethods = 49,

    /// <summary>SKF (RFC 7383).</summary>
    EncryptedFragment = 53,
}
