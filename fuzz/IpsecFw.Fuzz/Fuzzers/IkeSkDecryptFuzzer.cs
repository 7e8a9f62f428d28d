using System.Buffers.Binary;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// The SK payload (<c>IkeMessageProtection.TryUnprotect</c>, <see cref="SkProtector.TryOpen"/>) with fixed keys
/// for every supported suite. Byte 0: bits 0-3 choose the suite (modulo the number of suites); bit 7 chooses the path:
/// <list type="bullet">
/// <item>0: the rest is a whole datagram to authenticate, decrypt and parse (the seeds are messages protected with the
/// fuzz keys, so their mutations mostly stop at the ICV/tag check: this covers the outer decode, the length checks and
/// the ICV check; an intact seed decrypts and its inner payloads are checked against the exchange rules);</item>
/// <item>1: byte 1 is SK's Next Payload, byte 2 the exchange type, byte 3 a header flag selector, the rest an inner
/// payload chain that the target seals itself with the same keys, so the fuzzer controls what the inner decoder sees.
/// The open must then succeed or fail only as <see cref="SkError.MalformedInnerPayloads"/>; a success must survive
/// protect and unprotect again with as many inner payloads.</item>
/// </list>
/// </summary>
internal sealed class IkeSkDecryptFuzzer : IFuzzer
{
    private const ulong SpiI = 0x0123456789abcdef;
    private const ulong SpiR = 0xfedcba9876543210;

    public string Name => "IkeSkDecrypt";

    public string Description => "Ike: IkeMessageProtection.TryUnprotect / SkProtector.TryOpen with fixed keys, inner chain decode";

    public static SkProtector Protector(IkeCipherSuite suite)
    {
        byte[] key = new byte[suite.KeyLength + suite.SaltLength];
        byte[] integrity = new byte[suite.IntegrityKeyLength];
        for (int i = 0; i < key.Length; i++)
        {
            key[i] = (byte)(0x40 + i);
        }

        for (int i = 0; i < integrity.Length; i++)
        {
            integrity[i] = (byte)(0x90 + i);
        }

        return new SkProtector(suite, key, integrity);
    }

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        IReadOnlyList<IkeCipherSuite> suites = IkeCipherSuite.Supported;
        IkeCipherSuite suite = suites[(input[0] & 0x0f) % suites.Count];
        using SkProtector opener = Protector(suite);
        if ((input[0] & 0x80) == 0)
        {
            ReadOnlySpan<byte> datagram = input[1..];
            if (IkeMessageProtection.TryUnprotect(opener, datagram, out DecryptedMessage whole, out SkFailure failure))
            {
                _ = whole.CheckRules();
                return;
            }

            if (failure.Error == SkError.None)
            {
                throw new FuzzInvariantException("a refusal without an SkError");
            }

            return;
        }

        if (input.Length < 4)
        {
            return;
        }

        var next = (PayloadType)input[1];
        var exchange = (ExchangeType)input[2];
        IkeHeaderFlags flags = (input[3] & 3) switch
        {
            0 => IkeHeaderFlags.Initiator,
            1 => IkeHeaderFlags.Response,
            2 => IkeHeaderFlags.Initiator | IkeHeaderFlags.Response,
            _ => IkeHeaderFlags.None,
        };
        ReadOnlySpan<byte> inner = input[4..];
        using SkProtector sealer = Protector(suite);
        if (!TrySeal(sealer, exchange, flags, next, inner, out byte[] message))
        {
            return;
        }

        if (!IkeMessageProtection.TryUnprotect(opener, message, out DecryptedMessage decrypted, out SkFailure opened))
        {
            if (opened.Error != SkError.MalformedInnerPayloads)
            {
                throw new FuzzInvariantException($"a message sealed with the right {suite} keys was refused as {opened.Error} ({opened.Decode.Error}): {Convert.ToHexString(message)}");
            }

            return;
        }

        _ = decrypted.CheckRules();
        var header = decrypted.Header with { NextPayload = PayloadType.None, Length = 0 };
        if (!IkeMessageProtection.TryProtect(sealer, header, decrypted.Inner, out byte[] again, out SkError error))
        {
            if (error is SkError.MessageTooLong)
            {
                return;
            }

            throw new FuzzInvariantException($"decrypted inner payloads do not protect again: {error}");
        }

        if (!IkeMessageProtection.TryUnprotect(opener, again, out DecryptedMessage second, out SkFailure secondFailure))
        {
            throw new FuzzInvariantException($"a re-protected message does not open: {secondFailure.Error} ({secondFailure.Decode.Error} at {secondFailure.Decode.Offset})");
        }

        if (second.Inner.Count != decrypted.Inner.Count)
        {
            throw new FuzzInvariantException($"inner payload count changed from {decrypted.Inner.Count} to {second.Inner.Count}");
        }
    }

    /// <summary>Builds header, SK header and body around <paramref name="inner"/> and seals it.</summary>
    public static bool TrySeal(SkProtector sealer, ExchangeType exchange, IkeHeaderFlags flags, PayloadType next, ReadOnlySpan<byte> inner, out byte[] message)
    {
        message = [];
        int bodyLength = sealer.Suite.GetBodyLength(inner.Length);
        int skLength = GenericPayloadHeader.Size + bodyLength;
        int total = IkeHeader.Size + skLength;
        if (skLength > ushort.MaxValue || total > Limits.MaxMessageLength)
        {
            return false;
        }

        message = new byte[total];
        var header = new IkeHeader(SpiI, SpiR, PayloadType.Encrypted, 2, 0, exchange, flags, 1, (uint)total);
        if (!header.TryWrite(message, out _))
        {
            throw new FuzzInvariantException("the IKE header does not write");
        }

        message[IkeHeader.Size] = (byte)next;
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(IkeHeader.Size + 2), (ushort)skLength);
        if (!sealer.TrySeal(message, IkeHeader.Size + GenericPayloadHeader.Size, inner, out SkError error))
        {
            throw new FuzzInvariantException($"sealing {inner.Length} bytes with {sealer.Suite} failed: {error}");
        }

        return true;
    }
}
