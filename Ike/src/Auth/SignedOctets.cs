using IpsecFw.Ike.Keys;

namespace IpsecFw.Ike.Auth;

/// <summary>
/// The octets an AUTH payload signs (RFC 7296 2.15): the sender's whole IKE_SA_INIT message, then the peer's nonce
/// data, then prf(SK_p, the sender's ID payload body after the generic header).
/// </summary>
public static class SignedOctets
{
    /// <summary>Builds <c>RealMessage | NonceData | prf(SK_px, RestOfIDPayload)</c>.</summary>
    /// <param name="initSaMessage">The sender's IKE_SA_INIT message exactly as sent.</param>
    /// <param name="peerNonce">The other side's nonce data.</param>
    /// <param name="prf">The negotiated PRF.</param>
    /// <param name="skP">SK_pi for the initiator's AUTH, SK_pr for the responder's.</param>
    /// <param name="idBody">The sender's ID payload body: ID type, three reserved octets, identification data.</param>
    public static byte[] Build(ReadOnlySpan<byte> initSaMessage, ReadOnlySpan<byte> peerNonce, Prf prf,
        ReadOnlySpan<byte> skP, ReadOnlySpan<byte> idBody)
    {
        ArgumentNullException.ThrowIfNull(prf);
        byte[] result = new byte[initSaMessage.Length + peerNonce.Length + prf.OutputLength];
        initSaMessage.CopyTo(result);
        peerNonce.CopyTo(result.AsSpan(initSaMessage.Length));
        prf.Compute(skP, idBody, result.AsSpan(initSaMessage.Length + peerNonce.Length));
        return result;
    }
}
