using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Messages;

/// <summary>
/// A decoded IKE message (RFC 7296 3): the header and the payloads in wire order. The content of an SK payload stays
/// encrypted here; once decrypted it is decoded with <see cref="PayloadDecoder.TryDecodeChain"/>. Immutable.
/// </summary>
public sealed class IkeMessage
{
    /// <summary>A message with the given header and payloads (Next Payload and Length are recomputed on encoding).</summary>
    public IkeMessage(IkeHeader header, IReadOnlyList<IkePayload> payloads)
    {
        Header = header;
        Payloads = payloads;
    }

    /// <summary>The IKE header as received (or as given).</summary>
    public IkeHeader Header { get; }

    /// <summary>The payloads, in order, unknown non-critical ones included.</summary>
    public IReadOnlyList<IkePayload> Payloads { get; }

    /// <summary>The SK payload, if any.</summary>
    public EncryptedPayload? Encrypted => Get<EncryptedPayload>();

    /// <summary>The first payload of type <typeparamref name="T"/>, or null.</summary>
    public T? Get<T>()
        where T : IkePayload => Payloads.OfType<T>().FirstOrDefault();

    /// <summary>The first payload with the given type (for IDi/IDr and TSi/TSr, which share a class), or null.</summary>
    public IkePayload? Get(PayloadType type) => Payloads.FirstOrDefault(p => p.Type == type);

    /// <summary>The first Notify of the given type, or null.</summary>
    public NotifyPayload? GetNotify(NotifyType type) => Payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.NotifyType == type);

    /// <summary>
    /// Decodes one datagram (after the non-ESP marker on port 4500). The header's Length must be the datagram's length,
    /// the major version must be 2, and the payload chain must be well-formed; anything else is a typed failure.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> datagram, out IkeMessage message, out IkeDecodeFailure failure)
    {
        message = null!;
        if (!IkeHeader.TryRead(datagram, out IkeHeader header))
        {
            failure = new IkeDecodeFailure(IkeDecodeError.TruncatedHeader, 0);
            return false;
        }

        if (header.MajorVersion != IkeSpec.MajorVersion)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.UnsupportedMajorVersion, IkeHeader.VersionOffset, header.MajorVersion);
            return false;
        }

        if (header.Length != (uint)datagram.Length || datagram.Length > Limits.MaxMessageLength)
        {
            failure = new IkeDecodeFailure(IkeDecodeError.InvalidMessageLength, IkeHeader.LengthOffset);
            return false;
        }

        if (!PayloadDecoder.TryDecodeChain(datagram[IkeHeader.Size..], header.NextPayload, IkeHeader.Size, out List<IkePayload> payloads, out failure))
        {
            return false;
        }

        message = new IkeMessage(header, payloads);
        return true;
    }

    /// <summary>Length when encoded.</summary>
    public int GetSerializedLength() => IkeHeader.Size + Payloads.Sum(p => p.GetSerializedLength());

    /// <summary>Encodes the message with <see cref="MessageWriter"/>: Next Payload fields and lengths are filled in.</summary>
    public bool TryEncode(Span<byte> destination, out int written)
    {
        var writer = new MessageWriter(destination);
        written = 0;
        if (!writer.TryWriteHeader(Header))
        {
            return false;
        }

        foreach (IkePayload payload in Payloads)
        {
            if (!writer.TryAdd(payload))
            {
                return false;
            }
        }

        return writer.TryFinish(out written);
    }

    /// <summary>Encodes into a new array.</summary>
    public byte[] Encode()
    {
        byte[] buffer = new byte[GetSerializedLength()];
        return TryEncode(buffer, out int written) && written == buffer.Length
            ? buffer
            : throw new InvalidOperationException("The message cannot be encoded (a field exceeds its wire size).");
    }
}
