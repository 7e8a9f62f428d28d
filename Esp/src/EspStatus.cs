namespace IpsecFw.Esp;

/// <summary>
/// The outcome of processing one packet: <see cref="Ok"/>, or the typed reason it was dropped. Every value other
/// than <see cref="Ok"/> is counted per SA (or per table where no SA is known). The packet path never throws.
/// </summary>
public enum EspStatus : byte
{
    /// <summary>Processed.</summary>
    Ok = 0,

    /// <summary>Shorter than the headers and ICV it must carry, or a length field disagrees with the bytes.</summary>
    Truncated,

    /// <summary>The encrypted part is not a multiple of 4 bytes (RFC 4303 2.4), or a header is malformed.</summary>
    Malformed,

    /// <summary>No inbound SA has this SPI.</summary>
    UnknownSpi,

    /// <summary>The sequence number was seen before, is 0, or lies left of the anti-replay window (RFC 4303 3.4.3).</summary>
    Replay,

    /// <summary>The ICV did not verify (RFC 4303 3.4.4): forged, corrupted, or the wrong key.</summary>
    IcvFailure,

    /// <summary>The pad length exceeds the payload, or the padding bytes are not 1, 2, 3, … (RFC 4303 2.4).</summary>
    BadPadding,

    /// <summary>The Next Header does not fit the mode (for example tunnel mode carrying neither IPv4 nor IPv6).</summary>
    BadNextHeader,

    /// <summary>A dummy packet (Next Header 59, RFC 4303 2.6): authenticated, then discarded silently.</summary>
    DummyPacket,

    /// <summary>The inner packet is not a well-formed IP packet of the version Next Header announces.</summary>
    BadInnerPacket,

    /// <summary>The outbound sequence number space is used up; the SA must be rekeyed (RFC 4303 3.3.3).</summary>
    SequenceExhausted,

    /// <summary>A hard lifetime (packets, bytes or time) has expired; the SA no longer processes packets.</summary>
    HardLifetimeExpired,

    /// <summary>The SA has been disposed (its keys are zeroed).</summary>
    SaDisposed,

    /// <summary>The buffer lacks the headroom or tailroom the operation needs.</summary>
    NoBufferSpace,

    /// <summary>Not an ESP packet: an IKE message (non-ESP marker) or another protocol; hand it elsewhere.</summary>
    NotEsp,

    /// <summary>A NAT-keepalive (a single 0xFF byte, RFC 3948 2.3): recognised and discarded.</summary>
    NatKeepalive,

    /// <summary>The SA was used in the wrong direction (an inbound SA asked to seal, or the reverse).</summary>
    WrongDirection,

    /// <summary>
    /// The outer packet is an IP fragment: the host's IP stack reassembles before ESP (RFC 4303 3.4.1); a fragment that
    /// reaches the engine is dropped.
    /// </summary>
    OuterFragment,

    /// <summary>
    /// The SA exists but was negotiated with the other encapsulation: raw ESP (IP protocol 50) for an SA negotiated
    /// UDP-encapsulated (RFC 3948), or the reverse. Dropped before the SA is touched, as Linux's xfrm_input does; each
    /// SA is opened only by the receive path of its own encapsulation.
    /// </summary>
    EncapsulationMismatch,
}
