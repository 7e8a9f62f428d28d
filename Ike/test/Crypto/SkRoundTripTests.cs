using System.Buffers.Binary;
using System.Security.Cryptography;
using IpsecFw.Esp.Crypto;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Tests.Crypto;

/// <summary>Every suite: protect then unprotect with random keys and inner chains of several sizes; lengths and IVs as RFC 7296 3.14 says.</summary>
public sealed class SkRoundTripTests
{
    public static TheoryData<string> Suites() => SkTestSupport.Names();

    [Theory]
    [MemberData(nameof(Suites))]
    public void Protect_then_unprotect_gives_the_same_payloads_with_exact_lengths(string name)
    {
        IkeCipherSuite suite = SkTestSupport.ByName(name);
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(suite);
        using var sender = new SkProtector(suite, ek, ak);
        using var receiver = new SkProtector(suite, ek, ak);
        int cases = 0;
        foreach ((string chainName, List<IkePayload> inner) in SkTestSupport.InnerChains())
        {
            byte[] chain = SkTestSupport.EncodeChain(inner);
            Assert.True(IkeMessageProtection.TryProtect(sender, SkTestSupport.AuthHeader, inner, out byte[] datagram, out SkError error), $"{chainName}: {error}");

            int body = suite.GetBodyLength(chain.Length);
            int cipher = body - suite.IvLength - suite.IcvLength;
            Assert.Equal(IkeHeader.Size + GenericPayloadHeader.Size + body, datagram.Length);
            Assert.Equal(0, cipher % suite.BlockSize);
            Assert.InRange(cipher - chain.Length - 1, 0, suite.BlockSize - 1);
            Assert.Equal((uint)datagram.Length, BinaryPrimitives.ReadUInt32BigEndian(datagram.AsSpan(IkeHeader.LengthOffset)));
            Assert.Equal((byte)PayloadType.Encrypted, datagram[IkeHeader.NextPayloadOffset]);
            Assert.Equal((byte)(inner.Count == 0 ? PayloadType.None : inner[0].Type), datagram[IkeHeader.Size]);
            Assert.Equal(GenericPayloadHeader.Size + body, BinaryPrimitives.ReadUInt16BigEndian(datagram.AsSpan(IkeHeader.Size + 2)));

            Assert.True(IkeMessageProtection.TryUnprotect(receiver, datagram, out DecryptedMessage message, out SkFailure failure), $"{chainName}: {failure}");
            Assert.Equal(SkTestSupport.AuthHeader with { NextPayload = PayloadType.Encrypted, Length = (uint)datagram.Length }, message.Header);
            Assert.Equal(inner.Select(p => p.Type), message.Inner.Select(p => p.Type));
            Assert.Equal(chain, SkTestSupport.EncodeChain(message.Inner));
            if (chainName == "ike-auth")
            {
                Assert.True(message.CheckRules().IsValid, message.CheckRules().ToString());
            }

            cases++;
        }

        Assert.True(cases > 15);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Our_messages_match_an_independent_reference_and_open_its_messages(string name)
    {
        IkeCipherSuite suite = SkTestSupport.ByName(name);
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(suite);
        using var protector = new SkProtector(suite, ek, ak);
        List<IkePayload> inner = SkTestSupport.AuthPayloads();
        byte[] chain = SkTestSupport.EncodeChain(inner);
        byte[] iv = RandomNumberGenerator.GetBytes(suite.IvLength);

        // Minimal padding with zero bytes is what we send: the reference gives the very same bytes for the same IV.
        byte[] plaintext = new byte[suite.GetBodyLength(chain.Length) - suite.IvLength - suite.IcvLength];
        chain.CopyTo(plaintext, 0);
        plaintext[^1] = (byte)(plaintext.Length - chain.Length - 1);
        byte[] reference = SkTestSupport.ReferenceSeal(suite, ek, ak, inner[0].Type, iv, plaintext);
        Assert.True(IkeMessageProtection.TryProtect(protector, SkTestSupport.AuthHeader, [], inner, iv, out byte[] ours, out SkError error), error.ToString());
        Assert.Equal(Convert.ToHexString(reference), Convert.ToHexString(ours));

        // RFC 7296 3.14: the receiver must accept any padding value, and more padding than needed (up to 255 bytes).
        int minimal = plaintext.Length - chain.Length - 1;
        foreach (int blocks in new[] { 1, 2, 15 })
        {
            int padLength = minimal + (blocks * suite.BlockSize);
            byte[] odd = new byte[chain.Length + padLength + 1];
            chain.CopyTo(odd, 0);
            odd.AsSpan(chain.Length, padLength).Fill(0xa5);
            odd[^1] = (byte)padLength;
            byte[] sealedByReference = SkTestSupport.ReferenceSeal(suite, ek, ak, inner[0].Type, iv, odd);
            Assert.True(IkeMessageProtection.TryUnprotect(protector, sealedByReference, out DecryptedMessage message, out SkFailure failure), $"pad {padLength}: {failure}");
            Assert.Equal(chain, SkTestSupport.EncodeChain(message.Inner));
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Ivs_are_a_counter_for_aead_and_random_for_cbc(string name)
    {
        IkeCipherSuite suite = SkTestSupport.ByName(name);
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(suite);
        using var protector = new SkProtector(suite, ek, ak);
        var ivs = new List<byte[]>();
        for (int i = 0; i < 4; i++)
        {
            Assert.True(IkeMessageProtection.TryProtect(protector, SkTestSupport.AuthHeader, [new NotifyPayload(NotifyType.SetWindowSize, [0, 0, 0, 1])], out byte[] d, out _));
            ivs.Add(d.AsSpan(IkeHeader.Size + GenericPayloadHeader.Size, suite.IvLength).ToArray());
        }

        if (suite.IsAead)
        {
            Assert.Equal([0UL, 1UL, 2UL, 3UL], ivs.Select(iv => BinaryPrimitives.ReadUInt64BigEndian(iv)));
        }
        else
        {
            Assert.Equal(4, ivs.Select(Convert.ToHexString).Distinct().Count());
        }
    }

    [Fact]
    public void Unencrypted_payloads_before_sk_are_authenticated_and_kept()
    {
        IkeCipherSuite suite = IkeCipherSuite.AesGcm16Bits128;
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(suite);
        using var protector = new SkProtector(suite, ek, ak);
        IkePayload vendor = new VendorIdPayload([1, 2, 3, 4]);
        Assert.True(IkeMessageProtection.TryProtect(protector, SkTestSupport.AuthHeader, [vendor], SkTestSupport.AuthPayloads(), out byte[] datagram, out SkError error), error.ToString());
        Assert.True(IkeMessageProtection.TryUnprotect(protector, datagram, out DecryptedMessage message, out SkFailure failure), failure.ToString());
        Assert.Equal([PayloadType.VendorId, PayloadType.Encrypted], message.Outer.Payloads.Select(p => p.Type));
        Assert.Equal(5, message.Inner.Count);

        datagram[IkeHeader.Size + GenericPayloadHeader.Size] ^= 0x01;
        Assert.False(IkeMessageProtection.TryUnprotect(protector, datagram, out _, out failure));
        Assert.Equal(SkError.IntegrityFailure, failure.Error);
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Keys_from_ike_sa_key_derivation_protect_each_direction(string name)
    {
        IkeCipherSuite suite = SkTestSupport.ByName(name);
        Assert.True(AlgorithmKeySizes.TryGetEncryption(suite.Encryption, suite.Encryption == EncryptionAlgorithm.ChaCha20Poly1305 ? null : suite.KeyBits, out EncryptionKeySize size));
        Assert.Equal(size, suite.EncryptionKeySize);
        Assert.True(AlgorithmKeySizes.TryGetIntegrity(suite.Integrity, out int integrityKeyLength));
        Assert.Equal(integrityKeyLength, suite.IntegrityKeyLength);
        if (!suite.IsLegacy)
        {
            Assert.True(IkeCipherSuite.TryGet(suite.Encryption, suite.Encryption == EncryptionAlgorithm.ChaCha20Poly1305 ? null : suite.KeyBits, suite.Integrity, out IkeCipherSuite? found));
            Assert.Same(suite, found);
        }

        Prf prf = Prf.Get(PrfAlgorithm.HmacSha256);
        using IkeSaKeys keys = IkeSaKeys.Derive(prf, RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32),
            0x0102030405060708, 0x1112131415161718, suite.EncryptionKeySize, suite.IntegrityKeyLength);
        using SkProtector initiatorSends = SkProtector.Create(suite, keys, fromInitiator: true);
        using SkProtector responderReceives = SkProtector.Create(suite, keys, fromInitiator: true);
        using SkProtector wrongDirection = SkProtector.Create(suite, keys, fromInitiator: false);
        Assert.True(IkeMessageProtection.TryProtect(initiatorSends, SkTestSupport.AuthHeader, SkTestSupport.AuthPayloads(), out byte[] datagram, out _));
        Assert.True(IkeMessageProtection.TryUnprotect(responderReceives, datagram, out _, out SkFailure failure), failure.ToString());
        Assert.False(IkeMessageProtection.TryUnprotect(wrongDirection, datagram, out _, out failure));
        Assert.Equal(SkError.IntegrityFailure, failure.Error);
    }

    [Fact]
    public void Oversized_messages_and_wrong_key_lengths_are_refused()
    {
        IkeCipherSuite suite = IkeCipherSuite.AesCbc128HmacSha256;
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(suite);
        using var protector = new SkProtector(suite, ek, ak);
        Assert.False(IkeMessageProtection.TryProtect(protector, SkTestSupport.AuthHeader, [new NotifyPayload(NotifyType.Cookie, new byte[65500])], out byte[] datagram, out SkError error));
        Assert.Equal(SkError.MessageTooLong, error);
        Assert.Empty(datagram);

        // An SK payload among the clear payloads cannot be followed by ours.
        Assert.False(IkeMessageProtection.TryProtect(protector, SkTestSupport.AuthHeader, [new EncryptedPayload(PayloadType.None, new byte[40])], [], out _, out error));
        Assert.Equal(SkError.EncodingFailed, error);

        Assert.Throws<ArgumentException>(() => new SkProtector(suite, ek.AsSpan(1), ak));
        Assert.Throws<ArgumentException>(() => new SkProtector(suite, ek, []));
        Assert.Throws<ArgumentException>(() => new SkProtector(IkeCipherSuite.AesGcm16Bits128, RandomNumberGenerator.GetBytes(16), []));
    }

    [Theory]
    [InlineData("aes256gcm16")]
    [InlineData("chacha20poly1305")]
    public void The_aead_iv_counter_never_wraps(string name)
    {
        IkeCipherSuite suite = SkTestSupport.ByName(name);
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(suite);
        using var protector = new SkProtector(suite, ek, ak) { NextAeadIv = ulong.MaxValue - 1 };
        IkePayload[] inner = [new NotifyPayload(NotifyType.SetWindowSize, [0, 0, 0, 1])];
        Assert.True(IkeMessageProtection.TryProtect(protector, SkTestSupport.AuthHeader, inner, out byte[] d1, out _));
        Assert.True(IkeMessageProtection.TryProtect(protector, SkTestSupport.AuthHeader, inner, out byte[] d2, out _));
        Assert.Equal(ulong.MaxValue - 1, BinaryPrimitives.ReadUInt64BigEndian(d1.AsSpan(IkeHeader.Size + GenericPayloadHeader.Size)));
        Assert.Equal(ulong.MaxValue, BinaryPrimitives.ReadUInt64BigEndian(d2.AsSpan(IkeHeader.Size + GenericPayloadHeader.Size)));
        Assert.False(IkeMessageProtection.TryProtect(protector, SkTestSupport.AuthHeader, inner, out byte[] d3, out SkError error));
        Assert.Equal(SkError.IvExhausted, error);
        Assert.Empty(d3);
        Assert.True(IkeMessageProtection.TryUnprotect(protector, d2, out _, out SkFailure failure), failure.ToString());
    }

    [Fact]
    public void Disposed_protector_refuses_work()
    {
        IkeCipherSuite suite = IkeCipherSuite.ChaCha20Poly1305;
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(suite);
        var protector = new SkProtector(suite, ek, ak);
        protector.Dispose();
        protector.Dispose();
        Assert.Throws<ObjectDisposedException>(() => protector.TryOpen(new byte[64], 32, out _, out _));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Aead_suites_run_on_the_esp_engines_ciphers_and_dispose_clears_every_key(string name)
    {
        IkeCipherSuite suite = SkTestSupport.ByName(name);
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(suite);
        var protector = new SkProtector(suite, ek, ak);
        string? expected = suite.Encryption switch
        {
            // AeadFactory's choice: AES-NI where the CPU has it (no OpenSSL context per IKE SA), else the platform's.
            EncryptionAlgorithm.AesGcm16 when AeadFactory.UseIntrinsicsAesGcm => $"AES-GCM-{suite.KeyBits} (AES-NI)",
            EncryptionAlgorithm.AesGcm16 => $"AES-GCM-{suite.KeyBits} (platform)",
            EncryptionAlgorithm.ChaCha20Poly1305 => "ChaCha20-Poly1305",
            _ => null,
        };
        if (expected is null)
        {
            Assert.Null(protector.AeadName);
        }
        else
        {
            Assert.StartsWith(expected, protector.AeadName, StringComparison.Ordinal);
        }

        Assert.False(protector.KeysCleared);
        protector.Dispose();
        Assert.True(protector.KeysCleared);
    }
}
