using System.Buffers.Binary;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// The cheap half of RFC 7296 2.6, run on a socket's receive thread before the engine's queue: an IKE_SA_INIT request
/// without a valid cookie is answered from the raw datagram, with no decode, no SA, no allocation and no queueing, so
/// that a flood from spoofed sources costs one header check, a walk over the payload headers (to find the nonce and a
/// leading COOKIE notify), one HMAC and one send each, and the requests of real initiators (who return the cookie) still
/// reach the engine. The answer is a precomputed response (HDR with the request's SPIi, N(COOKIE)) with the cookie and
/// SPI written in.
/// </summary>
/// <remarks>Thread-safe: it holds only the template and the thread-safe <see cref="CookieGuard"/>.</remarks>
public sealed class CookieScreen
{
    /// <summary>The answer's length: the IKE header and one Notify payload carrying a <see cref="CookieGuard.CookieLength"/>-byte cookie.</summary>
    public const int ResponseLength = IkeHeader.Size + IkeSpec.GenericPayloadHeaderSize + NotifyPayload.SpiOffset + CookieGuard.CookieLength;

    private const int CookieOffset = ResponseLength - CookieGuard.CookieLength;
    private readonly CookieGuard _guard;
    private readonly byte[] _template;

    /// <summary>A screen that makes and checks cookies with <paramref name="guard"/>.</summary>
    public CookieScreen(CookieGuard guard)
    {
        _guard = guard ?? throw new ArgumentNullException(nameof(guard));
        // RFC 7296 2.6: HDR(A,0), N(COOKIE), the message ID of the request (0 for IKE_SA_INIT). Written once by the codec.
        var header = new IkeHeader(0, 0, PayloadType.None, IkeSpec.MajorVersion, IkeSpec.MinorVersion, ExchangeType.IkeSaInit, IkeHeaderFlags.Response, 0, 0);
        _template = new IkeMessage(header, [new NotifyPayload(NotifyType.Cookie, new byte[CookieGuard.CookieLength])]).Encode();
        if (_template.Length != ResponseLength)
        {
            throw new InvalidOperationException($"the COOKIE response encodes to {_template.Length} bytes, not {ResponseLength}");
        }
    }

    /// <summary>
    /// Screens one datagram from <paramref name="initiator"/> (the bytes of its IP address, 4 or 16) while cookies are
    /// required. On <see cref="CookieScreenResult.Answer"/> the first <see cref="ResponseLength"/> bytes of
    /// <paramref name="response"/> hold the answer.
    /// </summary>
    public CookieScreenResult Screen(ReadOnlySpan<byte> message, ReadOnlySpan<byte> initiator, Span<byte> response)
    {
        if (!IsInitRequest(message))
        {
            return CookieScreenResult.Forward;
        }

        // The payload chain (RFC 7296 3.2): Next Payload, flags, Payload Length (at least the 4-byte header), within the
        // message and ending exactly at its end, as the full decoder requires.
        ReadOnlySpan<byte> nonce = default, cookie = default;
        bool hasNonce = false, hasCookie = false;
        int next = message[IkeHeader.NextPayloadOffset], offset = IkeHeader.Size;
        while (next != (int)PayloadType.None)
        {
            if (message.Length - offset < IkeSpec.GenericPayloadHeaderSize)
            {
                return CookieScreenResult.Malformed;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
            if (length < IkeSpec.GenericPayloadHeaderSize || length > message.Length - offset)
            {
                return CookieScreenResult.Malformed;
            }

            ReadOnlySpan<byte> body = message.Slice(offset + IkeSpec.GenericPayloadHeaderSize, length - IkeSpec.GenericPayloadHeaderSize);
            if (next == (int)PayloadType.Nonce && !hasNonce)
            {
                nonce = body;
                hasNonce = true;
            }
            else if (next == (int)PayloadType.Notify && offset == IkeHeader.Size && body.Length >= NotifyPayload.SpiOffset
                && BinaryPrimitives.ReadUInt16BigEndian(body[NotifyPayload.NotifyTypeOffset..]) == (ushort)NotifyType.Cookie
                && body.Length >= NotifyPayload.SpiOffset + body[NotifyPayload.SpiSizeOffset])
            {
                // RFC 7296 2.6: the cookie counts only as the first payload of the repeated request.
                cookie = body[(NotifyPayload.SpiOffset + body[NotifyPayload.SpiSizeOffset])..];
                hasCookie = true;
            }

            next = message[offset];
            offset += length;
        }

        if (offset != message.Length || !hasNonce || nonce.Length is < IkeSpec.MinNonceLength or > IkeSpec.MaxNonceLength)
        {
            return CookieScreenResult.Malformed;
        }

        ulong spiI = BinaryPrimitives.ReadUInt64BigEndian(message[IkeHeader.InitiatorSpiOffset..]);
        if (hasCookie && _guard.Verify(cookie, nonce, initiator, spiI))
        {
            return CookieScreenResult.Forward;
        }

        Span<byte> answer = response[..ResponseLength];
        _template.CopyTo(answer);
        BinaryPrimitives.WriteUInt64BigEndian(answer[IkeHeader.InitiatorSpiOffset..], spiI);
        _guard.Make(nonce, initiator, spiI, answer[CookieOffset..]);
        return CookieScreenResult.Answer;
    }

    /// <summary>An IKEv2 IKE_SA_INIT request from an initiator for a new SA (SPIr 0), its length field the datagram's.</summary>
    private static bool IsInitRequest(ReadOnlySpan<byte> message) =>
        message.Length >= IkeHeader.Size
        && message[IkeHeader.VersionOffset] >> 4 == IkeSpec.MajorVersion
        && message[IkeHeader.ExchangeTypeOffset] == (byte)ExchangeType.IkeSaInit
        && ((IkeHeaderFlags)message[IkeHeader.FlagsOffset] & (IkeHeaderFlags.Response | IkeHeaderFlags.Initiator)) == IkeHeaderFlags.Initiator
        && BinaryPrimitives.ReadUInt64BigEndian(message[IkeHeader.ResponderSpiOffset..]) == 0
        && BinaryPrimitives.ReadUInt32BigEndian(message[IkeHeader.LengthOffset..]) == (uint)message.Length;
}
