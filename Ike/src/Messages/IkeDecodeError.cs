namespace IpsecFw.Ike.Messages;

/// <summary>
/// Why a message or payload could not be decoded. Every decode failure is one of these, with the offset (from the start of
/// the IKE header) where decoding stopped; nothing throws. A responder answers most of them with INVALID_SYNTAX or drops
/// the message silently (RFC 7296 2.21); <see cref="UnsupportedCriticalPayload"/> is answered with
/// UNSUPPORTED_CRITICAL_PAYLOAD and <see cref="UnsupportedMajorVersion"/> with INVALID_MAJOR_VERSION.
/// </summary>
public enum IkeDecodeError : byte
{
    /// <summary>No error.</summary>
    None,

    /// <summary>Fewer bytes than the 28-byte IKE header.</summary>
    TruncatedHeader,

    /// <summary>The major version is not 2 (RFC 7296 2.5: answer with INVALID_MAJOR_VERSION).</summary>
    UnsupportedMajorVersion,

    /// <summary>The header's Length is below the header size, above our limit, or not the datagram's length.</summary>
    InvalidMessageLength,

    /// <summary>Fewer than 4 bytes remain where a generic payload header should start.</summary>
    TruncatedPayloadHeader,

    /// <summary>A payload's Payload Length is below its fixed part or runs past the end of the message.</summary>
    InvalidPayloadLength,

    /// <summary>The chain ended (Next Payload 0) before the end of the message.</summary>
    TrailingData,

    /// <summary>An unknown payload with the critical bit set (RFC 7296 2.5); <see cref="IkeDecodeFailure.Detail"/> is its type.</summary>
    UnsupportedCriticalPayload,

    /// <summary>More payloads than <see cref="Limits.MaxPayloadsPerMessage"/>.</summary>
    TooManyPayloads,

    /// <summary>An SK or SKF payload that is not the last payload of the message (RFC 7296 3.14).</summary>
    EncryptedPayloadNotLast,

    /// <summary>A proposal substructure is truncated, has a bad length, a bad Last Substruc or a bad SPI size.</summary>
    InvalidProposal,

    /// <summary>More proposals than <see cref="Limits.MaxProposals"/> or proposal numbers out of sequence.</summary>
    TooManyProposals,

    /// <summary>A transform substructure is truncated, has a bad length or a bad Last Substruc.</summary>
    InvalidTransform,

    /// <summary>More transforms than the proposal's count says, or more than <see cref="Limits.MaxTransformsPerProposal"/>.</summary>
    TooManyTransforms,

    /// <summary>A transform attribute is truncated, or there are more than <see cref="Limits.MaxAttributesPerTransform"/>.</summary>
    InvalidTransformAttribute,

    /// <summary>A traffic selector is truncated, has a bad length, or the count does not match.</summary>
    InvalidTrafficSelector,

    /// <summary>More traffic selectors than <see cref="Limits.MaxTrafficSelectors"/>.</summary>
    TooManyTrafficSelectors,

    /// <summary>A Delete payload whose SPI size, count and length disagree, or with more SPIs than allowed.</summary>
    InvalidDelete,

    /// <summary>A Notify payload whose SPI size runs past the payload.</summary>
    InvalidNotify,

    /// <summary>A configuration attribute is truncated, or there are more than <see cref="Limits.MaxConfigurationAttributes"/>.</summary>
    InvalidConfigurationAttribute,

    /// <summary>A payload body shorter than its fixed fields (KE, ID, CERT, AUTH, CP, EAP, SKF).</summary>
    TruncatedPayloadBody,

    /// <summary>A Nonce payload outside the 16..256 bytes of RFC 7296 2.10.</summary>
    InvalidNonceLength,

    /// <summary>An SKF payload whose Fragment Number is 0 or above Total Fragments (RFC 7383 2.5).</summary>
    InvalidFragmentNumber,

    /// <summary>An EAP payload whose EAP Length disagrees with the payload (RFC 7296 3.16).</summary>
    InvalidEap,
}
