namespace IpsecFw.Spd.Runtime;

/// <summary>
/// The three outcomes of outbound SPD processing (RFC 4301 4.4.1 and 5.1): every packet leaving the host is discarded,
/// sent in clear, or sent through an SA.
/// </summary>
public enum OutboundAction : byte
{
    /// <summary>DISCARD: a deny rule or the default deny decided; the packet is dropped (or rejected, per the verdict).</summary>
    Discard,

    /// <summary>
    /// BYPASS: an allow rule whose remote side is <c>*</c> or an address group holding the destination decided; the
    /// packet may leave in clear.
    /// </summary>
    Bypass,

    /// <summary>
    /// PROTECT: an allow rule whose remote side is an x509 group decided; the packet needs an SA to a peer whose
    /// authenticated identity is in that group.
    /// </summary>
    Protect,
}
