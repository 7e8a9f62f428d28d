namespace IpsecFw.Ike.Messages;

/// <summary>Notify message types (RFC 7296 3.10.1; IANA "IKEv2 Notify Message Types"). Values below 16384 are errors, from 16384 on status types.</summary>
public enum NotifyType : ushort
{
    /// <summary>UNSUPPORTED_CRITICAL_PAYLOAD.</summary>
    UnsupportedCriticalPayload = 1,

    /// <summary>INVALID_IKE_SPI.</summary>
    InvalidIkeSpi = 4,

    /// <summary>INVALID_MAJOR_VERSION.</summary>
    InvalidMajorVersion = 5,

    /// <summary>INVALID_SYNTAX.</summary>
    InvalidSyntax = 7,

    /// <summary>INVALID_MESSAGE_ID.</summary>
    InvalidMessageId = 9,

    /// <summary>INVALID_SPI.</summary>
    InvalidSpi = 11,

    /// <summary>NO_PROPOSAL_CHOSEN.</summary>
    NoProposalChosen = 14,

    /// <summary>INVALID_KE_PAYLOAD.</summary>
    InvalidKePayload = 17,

    /// <summary>AUTHENTICATION_FAILED.</summary>
    AuthenticationFailed = 24,

    /// <summary>SINGLE_PAIR_REQUIRED.</summary>
    SinglePairRequired = 34,

    /// <summary>NO_ADDITIONAL_SAS.</summary>
    NoAdditionalSas = 35,

    /// <summary>INTERNAL_ADDRESS_FAILURE.</summary>
    InternalAddressFailure = 36,

    /// <summary>FAILED_CP_REQUIRED.</summary>
    FailedCpRequired = 37,

    /// <summary>TS_UNACCEPTABLE.</summary>
    TsUnacceptable = 38,

    /// <summary>INVALID_SELECTORS.</summary>
    InvalidSelectors = 39,

    /// <summary>UNACCEPTABLE_ADDRESSES (RFC 4555).</summary>
    UnacceptableAddresses = 40,

    /// <summary>UNEXPECTED_NAT_DETECTED (RFC 4555).</summary>
    UnexpectedNatDetected = 41,

    /// <summary>TEMPORARY_FAILURE.</summary>
    TemporaryFailure = 43,

    /// <summary>CHILD_SA_NOT_FOUND.</summary>
    ChildSaNotFound = 44,

    /// <summary>INITIAL_CONTACT.</summary>
    InitialContact = 16384,

    /// <summary>SET_WINDOW_SIZE.</summary>
    SetWindowSize = 16385,

    /// <summary>ADDITIONAL_TS_POSSIBLE.</summary>
    AdditionalTsPossible = 16386,

    /// <summary>IPCOMP_SUPPORTED.</summary>
    IpcompSupported = 16387,

    /// <summary>NAT_DETECTION_SOURCE_IP.</summary>
    NatDetectionSourceIp = 16388,

    /// <summary>NAT_DETECTION_DESTINATION_IP.</summary>
    NatDetectionDestinationIp = 16389,

    /// <summary>COOKIE.</summary>
    Cookie = 16390,

    /// <summary>USE_TRANSPORT_MODE.</summary>
    UseTransportMode = 16391,

    /// <summary>HTTP_CERT_LOOKUP_SUPPORTED.</summary>
    HttpCertLookupSupported = 16392,

    /// <summary>REKEY_SA.</summary>
    RekeySa = 16393,

    /// <summary>ESP_TFC_PADDING_NOT_SUPPORTED.</summary>
    EspTfcPaddingNotSupported = 16394,

    /// <summary>NON_FIRST_FRAGMENTS_ALSO.</summary>
    NonFirstFragmentsAlso = 16395,

    /// <summary>MOBIKE_SUPPORTED (RFC 4555).</summary>
    MobikeSupported = 16396,

    /// <summary>AUTH_LIFETIME (RFC 4478).</summary>
    AuthLifetime = 16403,

    /// <summary>MULTIPLE_AUTH_SUPPORTED (RFC 4739).</summary>
    MultipleAuthSupported = 16404,

    /// <summary>ANOTHER_AUTH_FOLLOWS (RFC 4739).</summary>
    AnotherAuthFollows = 16405,

    /// <summary>REDIRECT_SUPPORTED (RFC 5685).</summary>
    RedirectSupported = 16406,

    /// <summary>EAP_ONLY_AUTHENTICATION (RFC 5998).</summary>
    EapOnlyAuthentication = 16417,

    /// <summary>CHILDLESS_IKEV2_SUPPORTED (RFC 6023).</summary>
    ChildlessIkev2Supported = 16418,

    /// <summary>IKEV2_FRAGMENTATION_SUPPORTED (RFC 7383).</summary>
    Ikev2FragmentationSupported = 16430,

    /// <summary>SIGNATURE_HASH_ALGORITHMS (RFC 7427).</summary>
    SignatureHashAlgorithms = 16431,

    /// <summary>
    /// IpsecFw's own status notify, from the private-use range (RFC 7296 3.10.1: 40960-65535), in a CREATE_CHILD_SA
    /// request: the new pair is for one program's traffic (per-process keying) and must not replace the routes of the
    /// ordinary pairs with the same selectors. A peer that does not know it ignores it (RFC 7296 3.10.1: unrecognised
    /// status types are ignored).
    /// </summary>
    IpsecFwDedicatedChildSa = 40960,
}
