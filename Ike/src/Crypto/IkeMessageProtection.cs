using System.Security.Cryptography;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Crypto;

/// <summary>
/// Whole messages with an SK payload (RFC 7296 3.14): building one from its inner payloads, and authenticating and
/// decrypting a received one into its inner payloads. Stateless; the keys and the AEAD IV counter live in the
/// <see cref="SkProtector"/>. Every failure is a typed <see cref="SkError"/>, never an exception.
/// </summary>
public static class IkeMessageProtection
{
    /// <summary>
    /// Builds the datagram for <paramref name="header"/> with the single payload SK holding <paramref name="inner"/>
    /// (Next Payload and Length of the header are filled in).
    /// </summary>
    public static bool TryProtect(SkProtector protector, in IkeHeader header, IReadOnlyList<IkePayload> inner, out byte[] datagram, out SkError error) =>
        TryProtect(protector, header, [], inner, default, out datagram, out error);

    /// <summary>
    /// Builds the datagram for <paramref name="header"/>: the payloads of <paramref name="clear"/> unencrypted (rarely
    /// any; they are authenticated all the same), then SK holding <paramref name="inner"/>. The inner chain is encoded
    /// with <see cref="MessageWriter"/>, SK's Next Payload is its first type (0 when empty, as in a liveness check),
    /// and the IKE header's Length and SK's Payload Length are final before the AAD or ICV is computed.
    /// </summary>
    public static bool TryProtect(SkProtector protector, in IkeHeader header, IReadOnlyList<IkePayload> clear, IReadOnlyList<IkePayload> inner,
        out byte[] datagram, out SkError error) =>
        TryProtect(protector, header, clear, inner, default, out datagram, out error);

    /// <summary>
    /// Decodes <paramref name="datagram"/>, then authenticates and decrypts its SK payload and decodes the inner chain
    /// with <see cref="PayloadDecoder.TryDecodeChain"/>.
    /// </summary>
    public static bool TryUnprotect(SkProtector protector, ReadOnlySpan<byte> datagram, out DecryptedMessage message, out SkFailure failure)
    {
        message = null!;
        if (!IkeMessage.TryDecode(datagram, out IkeMessage outer, out IkeDecodeFailure decodeFailure))
        {
            failure = new SkFailure(SkError.MalformedMessage, decodeFailure);
            return false;
        }

        return TryUnprotect(protector, datagram, outer, out message, out failure);
    }

    /// <summary>
    /// Authenticates and decrypts the SK payload of <paramref name="outer"/>, which must be the decoding of
    /// <paramref name="datagram"/> (the ICV covers the bytes as received, not a re-encoding), and decodes the inner chain.
    /// </summary>
    public static bool TryUnprotect(SkProtector protector, ReadOnlySpan<byte> datagram, IkeMessage outer, out DecryptedMessage message, out SkFailure failure)
    {
        ArgumentNullException.ThrowIfNull(protector);
        ArgumentNullException.ThrowIfNull(outer);
        message = null!;
        if (outer.Payloads.Count == 0 || outer.Payloads[^1] is not EncryptedPayload sk)
        {
            failure = new SkFailure(SkError.NotEncrypted);
            return false;
        }

        // SK is last (the decoder enforces it), so its body ends the datagram.
        int bodyOffset = datagram.Length - sk.Data.Length;
        if (outer.Header.Length != (uint)datagram.Length || bodyOffset < IkeHeader.Size + GenericPayloadHeader.Size
            || !datagram[bodyOffset..].SequenceEqual(sk.Data))
        {
            failure = new SkFailure(SkError.MalformedMessage, new IkeDecodeFailure(IkeDecodeError.InvalidMessageLength, IkeHeader.LengthOffset));
            return false;
        }

        if (!protector.TryOpen(datagram, bodyOffset, out byte[] plaintext, out SkError error))
        {
            failure = new SkFailure(error);
            return false;
        }

        try
        {
            if (!PayloadDecoder.TryDecodeChain(plaintext, sk.InnerFirstPayload ?? PayloadType.None, 0, out List<IkePayload> inner, out IkeDecodeFailure innerFailure))
            {
                failure = new SkFailure(SkError.MalformedInnerPayloads, innerFailure);
                return false;
            }

            if (inner.Any(p => p.Type is PayloadType.Encrypted or PayloadType.EncryptedFragment))
            {
                // SK inside SK has no meaning (RFC 7296 3.14, RFC 7383 2.5).
                failure = new SkFailure(SkError.MalformedInnerPayloads, new IkeDecodeFailure(IkeDecodeError.EncryptedPayloadNotLast, 0));
                return false;
            }

            message = new DecryptedMessage(outer, inner);
            failure = SkFailure.None;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>As the public overload, with an explicit IV when not empty (known-answer tests only).</summary>
    internal static bool TryProtect(SkProtector protector, in IkeHeader header, IReadOnlyList<IkePayload> clear, IReadOnlyList<IkePayload> inner,
        ReadOnlySpan<byte> explicitIv, out byte[] datagram, out SkError error)
    {
        ArgumentNullException.ThrowIfNull(protector);
        ArgumentNullException.ThrowIfNull(clear);
        ArgumentNullException.ThrowIfNull(inner);
        datagram = [];
        long innerLength = inner.Sum(p => (long)p.GetSerializedLength());
        long clearLength = clear.Sum(p => (long)p.GetSerializedLength());
        if (innerLength > Limits.MaxMessageLength)
        {
            error = SkError.MessageTooLong;
            return false;
        }

        int bodyLength = protector.Suite.GetBodyLength((int)innerLength);
        if (GenericPayloadHeader.Size + bodyLength > ushort.MaxValue
            || IkeHeader.Size + clearLength + GenericPayloadHeader.Size + bodyLength > Limits.MaxMessageLength)
        {
            error = SkError.MessageTooLong;
            return false;
        }

        byte[] chain = new byte[innerLength];
        try
        {
            var writer = new MessageWriter(chain);
            foreach (IkePayload payload in inner)
            {
                if (!writer.TryAdd(payload))
                {
                    error = SkError.EncodingFailed;
                    return false;
                }
            }

            if (!writer.TryFinish(out int chainLength) || chainLength != chain.Length)
            {
                error = SkError.EncodingFailed;
                return false;
            }

            PayloadType first = inner.Count == 0 ? PayloadType.None : writer.FirstPayload;

            // The SK body is a placeholder of its final size, so the writer fixes every length before sealing.
            var outer = new IkeMessage(header, [.. clear, new EncryptedPayload(first, new byte[bodyLength])]);
            byte[] buffer = new byte[outer.GetSerializedLength()];
            if (!outer.TryEncode(buffer, out int written) || written != buffer.Length)
            {
                error = SkError.EncodingFailed;
                return false;
            }

            if (!protector.TrySealWithIv(buffer, buffer.Length - bodyLength, explicitIv, chain, out error))
            {
                return false;
            }

            datagram = buffer;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(chain);
        }
    }
}
