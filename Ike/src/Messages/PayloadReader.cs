namespace IpsecFw.Ike.Messages;

/// <summary>
/// Walks a chain of payloads (RFC 7296 3.2) without interpreting them: the payloads after the IKE header, or the
/// decrypted content of an SK payload. Strict: every Payload Length must be at least 4 and stay inside the chain, the
/// chain must end (Next Payload 0) exactly at the end of the data, an SK or SKF payload must be last, and at most
/// <see cref="Limits.MaxPayloadsPerMessage"/> payloads are read. A value type on the stack; not shareable.
/// </summary>
public ref struct PayloadReader
{
    private readonly ReadOnlySpan<byte> _chain;
    private readonly int _baseOffset;
    private int _offset;
    private PayloadType _next;
    private int _count;

    /// <summary>A reader over <paramref name="chain"/>, whose first payload has type <paramref name="first"/>.</summary>
    /// <param name="chain">The bytes of the chain.</param>
    /// <param name="first">The type of the first payload (from the IKE header, or from SK's Next Payload).</param>
    /// <param name="baseOffset">Offset of <paramref name="chain"/> in the message, for error offsets.</param>
    public PayloadReader(ReadOnlySpan<byte> chain, PayloadType first, int baseOffset)
    {
        _chain = chain;
        _next = first;
        _baseOffset = baseOffset;
    }

    /// <summary>Payloads read so far.</summary>
    public readonly int Count => _count;

    /// <summary>
    /// Reads the next payload. Returns false at the end of the chain (then <paramref name="failure"/> is
    /// <see cref="IkeDecodeError.None"/>) or on a malformed chain (then it says why and where).
    /// </summary>
    public bool TryReadNext(out RawPayload payload, out IkeDecodeFailure failure)
    {
        payload = default;
        failure = default;
        int remaining = _chain.Length - _offset;
        if (_next == PayloadType.None)
        {
            if (remaining != 0)
            {
                failure = new IkeDecodeFailure(IkeDecodeError.TrailingData, _baseOffset + _offset);
            }

            return false;
        }

        if (_count == Limits.MaxPayloadsPerMessage)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.TooManyPayloads, _baseOffset + _offset);
            return false;
        }

        if (!GenericPayloadHeader.TryRead(_chain[_offset..], out GenericPayloadHeader header))
        {
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedPayloadHeader, _baseOffset + _offset);
            return false;
        }

        if (header.PayloadLength < GenericPayloadHeader.Size || header.PayloadLength > remaining)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.InvalidPayloadLength, _baseOffset + _offset);
            return false;
        }

        PayloadType type = _next;
        bool encrypted = type is PayloadType.Encrypted or PayloadType.EncryptedFragment;
        if (encrypted && header.PayloadLength != remaining)
        {
            // RFC 7296 3.14: SK is the last payload; its Next Payload names the first payload inside it.
            failure = new IkeDecodeFailure(IkeDecodeError.EncryptedPayloadNotLast, _baseOffset + _offset);
            return false;
        }

        payload = new RawPayload(
            type,
            header.Critical,
            _chain.Slice(_offset + GenericPayloadHeader.Size, header.PayloadLength - GenericPayloadHeader.Size),
            _baseOffset + _offset,
            header.NextPayload);
        _offset += header.PayloadLength;
        _next = encrypted ? PayloadType.None : header.NextPayload;
        _count++;
        return true;
    }
}
