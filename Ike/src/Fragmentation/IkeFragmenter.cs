using System.Security.Cryptography;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Fragmentation;

/// <summary>
/// Splits one protected message into Encrypted Fragment messages (RFC 7383 2.5): the inner payload chain is encoded
/// once, as it would be inside SK, and cut into pieces; each piece becomes one message with the same IKE header (same
/// message ID) and a single SKF payload, encrypted and integrity-protected on its own with the SA's keys. Fragment
/// Numbers run from 1 to Total Fragments; the first fragment's Next Payload is the type of the first inner payload,
/// the others' is 0. Stateless; failures are a typed <see cref="FragmentError"/>, never an exception.
/// </summary>
public static class IkeFragmenter
{
    /// <summary>Bytes of the SKF body before the IV: Fragment Number and Total Fragments.</summary>
    private const int SkfFieldsLength = EncryptedFragmentPayload.DataOffset;

    /// <summary>
    /// Fragments the message of <paramref name="header"/> with the inner chain <paramref name="inner"/> into datagrams
    /// of at most <paramref name="maxMessageLength"/> bytes each (see <see cref="FragmentSizing.MaxMessageLength"/>).
    /// The header's Next Payload and Length are filled in per fragment.
    /// </summary>
    public static bool TryFragment(SkProtector protector, in IkeHeader header, IReadOnlyList<IkePayload> inner, int maxMessageLength,
        out IReadOnlyList<byte[]> datagrams, out FragmentError error)
    {
        ArgumentNullException.ThrowIfNull(protector);
        ArgumentNullException.ThrowIfNull(inner);
        datagrams = [];
        int room = MaxContentPerFragment(protector.Suite, maxMessageLength);
        if (room <= 0)
        {
            error = FragmentError.MtuTooSmall;
            return false;
        }

        if (!TryEncodeChain(inner, out byte[] chain, out PayloadType first, out error))
        {
            return false;
        }

        try
        {
            int total = Math.Max(1, (chain.Length + room - 1) / room);
            if (total > ushort.MaxValue)
            {
                error = FragmentError.MessageTooLong;
                return false;
            }

            var result = new byte[total][];
            for (int i = 0; i < total; i++)
            {
                int offset = i * room;
                ReadOnlySpan<byte> piece = chain.AsSpan(offset, Math.Min(room, chain.Length - offset));
                if (!TrySealFragment(protector, header, i == 0 ? first : PayloadType.None, (ushort)(i + 1), (ushort)total, piece, out result[i]))
                {
                    error = FragmentError.EncodingFailed;
                    return false;
                }
            }

            datagrams = result;
            error = FragmentError.None;
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(chain);
        }
    }

    /// <summary>
    /// The most inner-chain bytes one fragment of at most <paramref name="maxMessageLength"/> bytes can carry with
    /// <paramref name="suite"/>: the IKE header, the SKF generic header and fields, IV, padding, Pad Length and ICV
    /// come off. Zero or less when nothing fits.
    /// </summary>
    public static int MaxContentPerFragment(IkeCipherSuite suite, int maxMessageLength)
    {
        ArgumentNullException.ThrowIfNull(suite);
        int budget = maxMessageLength - IkeHeader.Size - GenericPayloadHeader.Size - SkfFieldsLength;
        if (budget <= 0)
        {
            return 0;
        }

        // GetBodyLength grows with the content in block steps; start from an upper bound and step down.
        int n = budget - suite.IvLength - suite.IcvLength - 1;
        while (n > 0 && suite.GetBodyLength(n) > budget)
        {
            n--;
        }

        return n;
    }

    private static bool TryEncodeChain(IReadOnlyList<IkePayload> inner, out byte[] chain, out PayloadType first, out FragmentError error)
    {
        chain = [];
        first = PayloadType.None;
        long length = inner.Sum(p => (long)p.GetSerializedLength());
        if (length > Limits.MaxMessageLength)
        {
            error = FragmentError.MessageTooLong;
            return false;
        }

        byte[] buffer = new byte[length];
        var writer = new MessageWriter(buffer);
        foreach (IkePayload payload in inner)
        {
            if (!writer.TryAdd(payload))
            {
                CryptographicOperations.ZeroMemory(buffer);
                error = FragmentError.EncodingFailed;
                return false;
            }
        }

        if (!writer.TryFinish(out int written) || written != buffer.Length)
        {
            CryptographicOperations.ZeroMemory(buffer);
            error = FragmentError.EncodingFailed;
            return false;
        }

        chain = buffer;
        first = inner.Count == 0 ? PayloadType.None : writer.FirstPayload;
        error = FragmentError.None;
        return true;
    }

    private static bool TrySealFragment(SkProtector protector, in IkeHeader header, PayloadType next, ushort number, ushort total,
        ReadOnlySpan<byte> piece, out byte[] datagram)
    {
        datagram = [];
        int bodyLength = protector.Suite.GetBodyLength(piece.Length);

        // The SKF body (IV, ciphertext, ICV) is a placeholder of its final size, so that every length and the Fragment
        // Number and Total Fragments are written before the ICV (or AEAD tag) covers them (RFC 7383 2.5).
        var message = new IkeMessage(header, [new EncryptedFragmentPayload(next, number, total, new byte[bodyLength])]);
        byte[] buffer = new byte[message.GetSerializedLength()];
        if (!message.TryEncode(buffer, out int written) || written != buffer.Length
            || !protector.TrySeal(buffer, buffer.Length - bodyLength, piece, out _))
        {
            return false;
        }

        datagram = buffer;
        return true;
    }
}
