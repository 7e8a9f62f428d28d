using System.Buffers.Binary;
using System.Security.Cryptography;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Tests.Crypto;

/// <summary>
/// Every single-bit flip and every truncation of a protected message is refused with a typed error, never an exception:
/// IntegrityFailure wherever the ICV or tag covers the bit; the codec's header check for the length fields and Next
/// Payload, which decide where the SK payload is.
/// </summary>
public sealed class SkTamperTests
{
    private const int SkHeaderOffset = IkeHeader.Size;

    public static TheoryData<string> Suites() => SkTestSupport.Names();

    [Theory]
    [MemberData(nameof(Suites))]
    public void Every_single_bit_flip_is_rejected(string name)
    {
        IkeCipherSuite suite = SkTestSupport.ByName(name);
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(suite);
        using var protector = new SkProtector(suite, ek, ak);
        Assert.True(IkeMessageProtection.TryProtect(protector, SkTestSupport.AuthHeader, SkTestSupport.AuthPayloads(), out byte[] datagram, out _));
        int bodyOffset = SkHeaderOffset + GenericPayloadHeader.Size;
        var integrityFailures = 0;
        for (int bit = 0; bit < datagram.Length * 8; bit++)
        {
            byte[] flipped = (byte[])datagram.Clone();
            int position = bit / 8;
            flipped[position] ^= (byte)(1 << (bit % 8));

            // The crypto alone (header, SK header, IV, ciphertext, ICV): the ICV or tag covers every bit.
            Assert.False(protector.TryOpen(flipped, bodyOffset, out _, out SkError error), $"byte {position} bit {bit % 8}");
            Assert.Equal(SkError.IntegrityFailure, error);

            // The whole message: the same, except where the header check refuses first.
            Assert.False(IkeMessageProtection.TryUnprotect(protector, flipped, out _, out SkFailure failure), $"byte {position} bit {bit % 8}");
            if (failure.Error == SkError.IntegrityFailure)
            {
                integrityFailures++;
                continue;
            }

            bool headerCheck = position == IkeHeader.NextPayloadOffset
                || position == IkeHeader.VersionOffset
                || position is >= IkeHeader.LengthOffset and < IkeHeader.Size
                || position is >= SkHeaderOffset + GenericPayloadHeader.PayloadLengthOffset and < SkHeaderOffset + GenericPayloadHeader.Size;
            Assert.True(headerCheck, $"byte {position} bit {bit % 8}: {failure}");
            Assert.Contains(failure.Error, new[] { SkError.MalformedMessage, SkError.NotEncrypted });
        }

        // Everything but the few header bits (Next Payload, version, the two lengths) is caught by the ICV.
        Assert.True(integrityFailures >= (datagram.Length - 8) * 8, $"{integrityFailures} of {datagram.Length * 8}");
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Every_truncation_is_a_typed_error(string name)
    {
        IkeCipherSuite suite = SkTestSupport.ByName(name);
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(suite);
        using var protector = new SkProtector(suite, ek, ak);
        Assert.True(IkeMessageProtection.TryProtect(protector, SkTestSupport.AuthHeader, SkTestSupport.AuthPayloads(), out byte[] datagram, out _));
        int bodyOffset = SkHeaderOffset + GenericPayloadHeader.Size;
        for (int length = 0; length < datagram.Length; length++)
        {
            byte[] cut = datagram[..length];
            Assert.False(IkeMessageProtection.TryUnprotect(protector, cut, out _, out SkFailure failure), $"cut at {length}");
            Assert.Equal(SkError.MalformedMessage, failure.Error);

            Assert.False(protector.TryOpen(cut, bodyOffset, out _, out SkError error), $"cut at {length}");
            Assert.Contains(error, new[] { SkError.BadLength, SkError.Truncated, SkError.IntegrityFailure });

            // Lengths patched so that the codec accepts the cut and the SK layer meets it.
            if (length >= bodyOffset)
            {
                BinaryPrimitives.WriteUInt32BigEndian(cut.AsSpan(IkeHeader.LengthOffset), (uint)length);
                BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(SkHeaderOffset + GenericPayloadHeader.PayloadLengthOffset), (ushort)(length - SkHeaderOffset));
                Assert.False(IkeMessageProtection.TryUnprotect(protector, cut, out _, out failure), $"cut at {length}, lengths patched");
                int cipher = length - bodyOffset - suite.IvLength - suite.IcvLength;
                SkError expected = cipher < suite.BlockSize ? SkError.Truncated
                    : cipher % suite.BlockSize != 0 ? SkError.BadLength
                    : SkError.IntegrityFailure;
                Assert.Equal(expected, failure.Error);
            }
        }
    }

    [Theory]
    [InlineData("aes128gcm16")]
    [InlineData("chacha20poly1305")]
    [InlineData("aes256-sha512")]
    public void Authentic_plaintext_with_a_bad_pad_length_is_bad_padding(string name)
    {
        IkeCipherSuite suite = SkTestSupport.ByName(name);
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(suite);
        using var protector = new SkProtector(suite, ek, ak);
        byte[] plaintext = new byte[suite.BlockSize == 1 ? 20 : 32];
        plaintext[^1] = (byte)plaintext.Length;
        byte[] datagram = SkTestSupport.ReferenceSeal(suite, ek, ak, PayloadType.Notify, RandomNumberGenerator.GetBytes(suite.IvLength), plaintext);
        Assert.False(IkeMessageProtection.TryUnprotect(protector, datagram, out _, out SkFailure failure));
        Assert.Equal(SkError.BadPadding, failure.Error);

        // Pad Length = everything but itself: an empty chain, which only decodes when SK says Next Payload 0.
        plaintext[^1] = (byte)(plaintext.Length - 1);
        datagram = SkTestSupport.ReferenceSeal(suite, ek, ak, PayloadType.None, RandomNumberGenerator.GetBytes(suite.IvLength), plaintext);
        Assert.True(IkeMessageProtection.TryUnprotect(protector, datagram, out DecryptedMessage empty, out failure), failure.ToString());
        Assert.Empty(empty.Inner);
        datagram = SkTestSupport.ReferenceSeal(suite, ek, ak, PayloadType.Notify, RandomNumberGenerator.GetBytes(suite.IvLength), plaintext);
        Assert.False(IkeMessageProtection.TryUnprotect(protector, datagram, out _, out failure));
        Assert.Equal(SkError.MalformedInnerPayloads, failure.Error);
        Assert.Equal(IkeDecodeError.TruncatedPayloadHeader, failure.Decode.Error);
    }

    [Fact]
    public void Authentic_but_malformed_or_nested_inner_chains_are_refused()
    {
        IkeCipherSuite suite = IkeCipherSuite.AesGcm16Bits256;
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(suite);
        using var protector = new SkProtector(suite, ek, ak);

        // SK inside SK.
        Assert.True(IkeMessageProtection.TryProtect(protector, SkTestSupport.AuthHeader, [new EncryptedPayload(PayloadType.None, new byte[24])], out byte[] nested, out _));
        Assert.False(IkeMessageProtection.TryUnprotect(protector, nested, out _, out SkFailure failure));
        Assert.Equal(SkError.MalformedInnerPayloads, failure.Error);

        // A Notify whose Payload Length overruns the decrypted chain.
        byte[] plaintext = [0, 0, 0, 200, 0, 0, 0x40, 0x01, 0];
        byte[] datagram = SkTestSupport.ReferenceSeal(suite, ek, ak, PayloadType.Notify, RandomNumberGenerator.GetBytes(suite.IvLength), plaintext);
        Assert.False(IkeMessageProtection.TryUnprotect(protector, datagram, out _, out failure));
        Assert.Equal(new SkFailure(SkError.MalformedInnerPayloads, new IkeDecodeFailure(IkeDecodeError.InvalidPayloadLength, 0)), failure);
    }

    [Fact]
    public void A_message_without_sk_is_not_encrypted()
    {
        using var protector = new SkProtector(IkeCipherSuite.AesGcm16Bits128, RandomNumberGenerator.GetBytes(20), []);
        byte[] clear = new IkeMessage(SkTestSupport.AuthHeader, [new NotifyPayload(NotifyType.AuthenticationFailed)]).Encode();
        Assert.False(IkeMessageProtection.TryUnprotect(protector, clear, out _, out SkFailure failure));
        Assert.Equal(SkError.NotEncrypted, failure.Error);
    }
}
