using System.Buffers.Binary;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// The COOKIE screen (<see cref="CookieScreen.Screen"/>): the parser that meets a spoofed IKE_SA_INIT flood on the
/// receive thread, before the engine, walking the raw payload chain of any datagram. The input is one UDP/500 datagram
/// from a fixed initiator address. Checked: an answer decodes as an IKE_SA_INIT response carrying exactly one
/// N(COOKIE) for the request's SPIi, and the request repeated with that cookie in front (RFC 7296 2.6) is forwarded to
/// the engine; a datagram the full decoder reads as an IKE_SA_INIT request with one valid nonce is never refused as
/// malformed by the screen.
/// </summary>
internal sealed class CookieScreenFuzzer : IFuzzer
{
    private static readonly byte[] s_initiator = [198, 18, 0, 1];
    private static readonly CookieScreen s_screen = new(new CookieGuard(TimeProvider.System, halfOpenThreshold: 0));

    public string Name => "CookieScreen";

    public string Description => "Ike: CookieScreen.Screen on raw datagrams, the answer decoded and its cookie returned";

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        Span<byte> response = stackalloc byte[CookieScreen.ResponseLength];
        CookieScreenResult result = s_screen.Screen(input, s_initiator, response);
        if (result == CookieScreenResult.Malformed && DecodesAsInitRequest(input))
        {
            throw new FuzzInvariantException($"the full decoder reads an IKE_SA_INIT request the screen calls malformed: {Convert.ToHexString(input)}");
        }

        if (result != CookieScreenResult.Answer)
        {
            return;
        }

        if (!IkeMessage.TryDecode(response, out IkeMessage answer, out IkeDecodeFailure failure))
        {
            throw new FuzzInvariantException($"the COOKIE answer does not decode: {failure.Error} at {failure.Offset}");
        }

        ulong spiI = BinaryPrimitives.ReadUInt64BigEndian(input[IkeHeader.InitiatorSpiOffset..]);
        if (!answer.Header.IsResponse || answer.Header.ExchangeType != ExchangeType.IkeSaInit || answer.Header.InitiatorSpi != spiI
            || answer.Header.ResponderSpi != 0 || answer.Payloads.Count != 1
            || answer.Payloads[0] is not NotifyPayload { NotifyType: NotifyType.Cookie } cookie)
        {
            throw new FuzzInvariantException("the COOKIE answer is not HDR(SPIi, 0), N(COOKIE)");
        }

        // The repeated request: N(COOKIE) in front of the original payloads (RFC 7296 2.6) must now be forwarded.
        int notifyLength = IkeSpec.GenericPayloadHeaderSize + NotifyPayload.SpiOffset + cookie.Data.Length;
        byte[] repeated = new byte[input.Length + notifyLength];
        input[..IkeHeader.Size].CopyTo(repeated);
        repeated[IkeHeader.NextPayloadOffset] = (byte)PayloadType.Notify;
        BinaryPrimitives.WriteUInt32BigEndian(repeated.AsSpan(IkeHeader.LengthOffset), (uint)repeated.Length);
        Span<byte> notify = repeated.AsSpan(IkeHeader.Size, notifyLength);
        notify[0] = input[IkeHeader.NextPayloadOffset];
        BinaryPrimitives.WriteUInt16BigEndian(notify[2..], (ushort)notifyLength);
        BinaryPrimitives.WriteUInt16BigEndian(notify[(IkeSpec.GenericPayloadHeaderSize + NotifyPayload.NotifyTypeOffset)..], (ushort)NotifyType.Cookie);
        cookie.Data.CopyTo(notify[(IkeSpec.GenericPayloadHeaderSize + NotifyPayload.SpiOffset)..]);
        input[IkeHeader.Size..].CopyTo(repeated.AsSpan(IkeHeader.Size + notifyLength));
        CookieScreenResult again = s_screen.Screen(repeated, s_initiator, response);
        if (again != CookieScreenResult.Forward)
        {
            throw new FuzzInvariantException($"the request repeated with its cookie is {again}, not forwarded");
        }
    }

    private static bool DecodesAsInitRequest(ReadOnlySpan<byte> input)
    {
        if (!IkeMessage.TryDecode(input, out IkeMessage message, out _)
            || message.Header.ExchangeType != ExchangeType.IkeSaInit || message.Header.IsResponse || message.Header.ResponderSpi != 0
            || BinaryPrimitives.ReadUInt32BigEndian(input[IkeHeader.LengthOffset..]) != (uint)input.Length)
        {
            return false;
        }

        // An IKE_SA_INIT cannot carry SK or SKF (RFC 7296 3.14: SK is the last payload and its Next Payload field names
        // the first inner payload, not a following one). The full decoder stops there; the screen walks the chain
        // generically, reads that field as a next payload and drops the request as malformed, which the engine's rules
        // would refuse anyway. Found by the first 30-minute run of this target.
        if (message.Payloads.Any(p => p is EncryptedPayload or EncryptedFragmentPayload))
        {
            return false;
        }

        NoncePayload[] nonces = [.. message.Payloads.OfType<NoncePayload>()];
        return nonces.Length == 1 && nonces[0].Data.Length is >= IkeSpec.MinNonceLength and <= IkeSpec.MaxNonceLength;
    }
}
