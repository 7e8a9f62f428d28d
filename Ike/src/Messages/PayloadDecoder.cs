using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Messages;

/// <summary>
/// Turns raw payloads into typed ones (RFC 7296 3.3 to 3.16). Unknown payload types without the critical bit are kept
/// as <see cref="UnknownPayload"/> and otherwise skipped; with the critical bit they fail the whole message with
/// <see cref="IkeDecodeError.UnsupportedCriticalPayload"/> (RFC 7296 2.5). Stateless and thread-safe.
/// </summary>
public static class PayloadDecoder
{
    /// <summary>Decodes one payload; failure offsets are from the start of the message.</summary>
    public static bool TryDecode(in RawPayload raw, out IkePayload payload, out IkeDecodeFailure failure)
    {
        ReadOnlySpan<byte> body = raw.Body;
        bool ok;
        IkePayload? decoded;
        switch (raw.Type)
        {
            case PayloadType.SecurityAssociation:
                ok = SaPayload.TryRead(body, out SaPayload sa, out failure);
                decoded = sa;
                break;
            case PayloadType.KeyExchange:
                ok = KePayload.TryRead(body, out KePayload ke, out failure);
                decoded = ke;
                break;
            case PayloadType.IdentificationInitiator or PayloadType.IdentificationResponder:
                ok = IdPayload.TryRead(body, raw.Type == PayloadType.IdentificationInitiator, out IdPayload id, out failure);
                decoded = id;
                break;
            case PayloadType.Certificate:
                ok = CertPayload.TryRead(body, out CertPayload cert, out failure);
                decoded = cert;
                break;
            case PayloadType.CertificateRequest:
                ok = CertReqPayload.TryRead(body, out CertReqPayload certReq, out failure);
                decoded = certReq;
                break;
            case PayloadType.Authentication:
                ok = AuthPayload.TryRead(body, out AuthPayload auth, out failure);
                decoded = auth;
                break;
            case PayloadType.Nonce:
                ok = NoncePayload.TryRead(body, out NoncePayload nonce, out failure);
                decoded = nonce;
                break;
            case PayloadType.Notify:
                ok = NotifyPayload.TryRead(body, out NotifyPayload notify, out failure);
                decoded = notify;
                break;
            case PayloadType.Delete:
                ok = DeletePayload.TryRead(body, out DeletePayload delete, out failure);
                decoded = delete;
                break;
            case PayloadType.VendorId:
                ok = VendorIdPayload.TryRead(body, out VendorIdPayload vendor, out failure);
                decoded = vendor;
                break;
            case PayloadType.TrafficSelectorInitiator or PayloadType.TrafficSelectorResponder:
                ok = TsPayload.TryRead(body, raw.Type == PayloadType.TrafficSelectorInitiator, out TsPayload ts, out failure);
                decoded = ts;
                break;
            case PayloadType.Encrypted:
                ok = EncryptedPayload.TryRead(body, raw.NextPayloadField, out EncryptedPayload sk, out failure);
                decoded = sk;
                break;
            case PayloadType.EncryptedFragment:
                ok = EncryptedFragmentPayload.TryRead(body, raw.NextPayloadField, out EncryptedFragmentPayload skf, out failure);
                decoded = skf;
                break;
            case PayloadType.Configuration:
                ok = ConfigurationPayload.TryRead(body, out ConfigurationPayload cp, out failure);
                decoded = cp;
                break;
            case PayloadType.Eap:
                ok = EapPayload.TryRead(body, out EapPayload eap, out failure);
                decoded = eap;
                break;
            default:
                if (raw.Critical)
                {
                    payload = null!;
                    failure = new IkeDecodeFailure(IkeDecodeError.UnsupportedCriticalPayload, raw.Offset, (int)raw.Type);
                    return false;
                }

                ok = true;
                failure = default;
                decoded = new UnknownPayload(raw.Type, body.ToArray());
                break;
        }

        if (!ok)
        {
            payload = null!;
            failure = failure.Rebase(raw.Offset + GenericPayloadHeader.Size);
            return false;
        }

        payload = decoded!;
        if (raw.Critical)
        {
            // Irrelevant to the meaning of a known payload (RFC 7296 2.5), but kept for exact re-encoding.
            payload.MarkCritical();
        }

        return true;
    }

    /// <summary>Decodes a whole chain: the payloads after the IKE header, or the plaintext of an SK payload.</summary>
    public static bool TryDecodeChain(ReadOnlySpan<byte> chain, PayloadType first, int baseOffset, out List<IkePayload> payloads, out IkeDecodeFailure failure)
    {
        payloads = [];
        var reader = new PayloadReader(chain, first, baseOffset);
        while (reader.TryReadNext(out RawPayload raw, out failure))
        {
            if (!TryDecode(raw, out IkePayload payload, out failure))
            {
                return false;
            }

            payloads.Add(payload);
        }

        return failure.Error == IkeDecodeError.None;
    }
}
