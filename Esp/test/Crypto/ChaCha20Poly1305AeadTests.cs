using System.Text;
using IpsecFw.Esp.Crypto;
using static IpsecFw.Testing.TestData;

namespace IpsecFw.Esp.Tests.Crypto;

/// <summary>AEAD_CHACHA20_POLY1305 (RFC 8439 sections 2.6 and 2.8): the RFC examples, forgery rejection, argument
/// handling and allocation.</summary>
public sealed class ChaCha20Poly1305AeadTests
{
    // RFC 8439 section 2.8.2.
    private static readonly byte[] s_key = Hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    private static readonly byte[] s_nonce = Hex("070000004041424344454647");
    private static readonly byte[] s_aad = Hex("50515253c0c1c2c3c4c5c6c7");
    private const string SunscreenText =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    private static readonly byte[] s_ciphertext = Hex(
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6" +
        "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36" +
        "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
        "3ff4def08e4b7a9de576d26586cec64b6116");
    private static readonly byte[] s_tag = Hex("1ae10b594f09e26a7e902ecbd0600691");

    [Fact]
    public void One_time_key_generation_matches_RFC8439_2_6_2()
    {
        // Section 2.6.2: key 80:81:..:9f, nonce 00:00:00:00:00:01:02:03:04:05:06:07; the key is block 0's first 32 bytes.
        ChaCha20Key key = ChaCha20Tests.Key(s_key);
        var nonce = new ChaCha20Nonce(Hex("000000000001020304050607"));
        var block = new byte[64];
        ChaCha20.Keystream(in key, 0, in nonce, block);
        Assert.Equal(Hex("8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646"), block[..32]);
    }

    [Fact]
    public void Seal_matches_RFC8439_2_8_2()
    {
        using var aead = new ChaCha20Poly1305Aead(s_key);
        byte[] data = Encoding.ASCII.GetBytes(SunscreenText);
        var tag = new byte[16];
        aead.Seal(s_nonce, s_aad, data, tag);
        Assert.Equal(s_ciphertext, data);
        Assert.Equal(s_tag, tag);
    }

    [Fact]
    public void Open_matches_RFC8439_2_8_2()
    {
        using var aead = new ChaCha20Poly1305Aead(s_key);
        var data = (byte[])s_ciphertext.Clone();
        Assert.True(aead.Open(s_nonce, s_aad, data, s_tag));
        Assert.Equal(SunscreenText, Encoding.ASCII.GetString(data));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 8)]
    [InlineData(63, 12)]
    [InlineData(114, 12)]
    [InlineData(300, 0)]
    public void Open_rejects_every_single_bit_flip_without_throwing(int length, int aadLength)
    {
        var rng = new Random(length * 31 + aadLength);
        var key = new byte[32];
        var nonce = new byte[12];
        var aad = new byte[aadLength];
        var plain = new byte[length];
        rng.NextBytes(key);
        rng.NextBytes(nonce);
        rng.NextBytes(aad);
        rng.NextBytes(plain);
        using var aead = new ChaCha20Poly1305Aead(key);
        var ciphertext = (byte[])plain.Clone();
        var tag = new byte[16];
        aead.Seal(nonce, aad, ciphertext, tag);

        var data = new byte[length];
        int rejected = 0;
        for (int bit = 0; bit < length * 8; bit++)
        {
            ciphertext.CopyTo(data, 0);
            data[bit / 8] ^= (byte)(1 << (bit % 8));
            rejected += Rejects(aead, nonce, aad, data, tag);
        }

        var badTag = new byte[16];
        for (int bit = 0; bit < 128; bit++)
        {
            tag.CopyTo(badTag, 0);
            badTag[bit / 8] ^= (byte)(1 << (bit % 8));
            ciphertext.CopyTo(data, 0);
            rejected += Rejects(aead, nonce, aad, data, badTag);
        }

        var badAad = new byte[aadLength];
        for (int bit = 0; bit < aadLength * 8; bit++)
        {
            aad.CopyTo(badAad, 0);
            badAad[bit / 8] ^= (byte)(1 << (bit % 8));
            ciphertext.CopyTo(data, 0);
            rejected += Rejects(aead, nonce, badAad, data, tag);
        }

        Assert.Equal(length * 8 + 128 + aadLength * 8, rejected);

        // The untouched packet still opens.
        ciphertext.CopyTo(data, 0);
        Assert.True(aead.Open(nonce, aad, data, tag));
        Assert.Equal(plain, data);
    }

    [Fact]
    public void Open_rejects_a_nonce_or_tag_of_the_wrong_length_without_throwing()
    {
        using var aead = new ChaCha20Poly1305Aead(s_key);
        foreach ((int nonceLength, int tagLength) in new[] { (0, 16), (8, 16), (11, 16), (13, 16), (12, 0), (12, 8), (12, 12), (12, 15), (12, 17) })
        {
            var nonce = new byte[nonceLength];
            s_nonce.AsSpan(0, Math.Min(12, nonceLength)).CopyTo(nonce);
            var tag = new byte[tagLength];
            s_tag.AsSpan(0, Math.Min(16, tagLength)).CopyTo(tag);
            var data = (byte[])s_ciphertext.Clone();
            Assert.False(aead.Open(nonce, s_aad, data, tag));
            Assert.All(data, b => Assert.Equal(0, b));
        }
    }

    [Fact]
    public void Seal_rejects_a_nonce_or_tag_of_the_wrong_length()
    {
        using var aead = new ChaCha20Poly1305Aead(s_key);
        var data = new byte[16];
        Assert.Throws<ArgumentException>(() => aead.Seal(new byte[8], s_aad, data, new byte[16]));
        Assert.Throws<ArgumentException>(() => aead.Seal(s_nonce, s_aad, data, new byte[12]));
    }

    [Fact]
    public void Constructor_rejects_keys_that_are_not_32_bytes()
    {
        Assert.Throws<ArgumentException>(() => new ChaCha20Poly1305Aead(new byte[16]));
        Assert.Throws<ArgumentException>(() => new ChaCha20Poly1305Aead(new byte[33]));
    }

    [Fact]
    public void A_disposed_instance_refuses_to_seal_and_fails_open()
    {
        var aead = new ChaCha20Poly1305Aead(s_key);
        aead.Dispose();
        Assert.True(aead.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => aead.Seal(s_nonce, s_aad, new byte[4], new byte[16]));
        var data = (byte[])s_ciphertext.Clone();
        Assert.False(aead.Open(s_nonce, s_aad, data, s_tag));
        Assert.All(data, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Is_supported_everywhere_and_names_its_implementation()
    {
        Assert.True(ChaCha20Poly1305Aead.IsSupported);
        using var aead = new ChaCha20Poly1305Aead(s_key);
        Assert.StartsWith("ChaCha20-Poly1305 (", aead.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void Ten_thousand_seals_and_opens_allocate_nothing()
    {
        var rng = new Random(7634);
        var key = new byte[32];
        rng.NextBytes(key);
        using var aead = new ChaCha20Poly1305Aead(key);
        var nonce = new byte[12];
        var aad = new byte[12];
        var tag = new byte[16];
        var badTag = new byte[16];
        byte[][] packets = [new byte[0], new byte[64], new byte[300], new byte[1420], new byte[9000]];

        void Round()
        {
            foreach (byte[] packet in packets)
            {
                aead.Seal(nonce, aad, packet, tag);
                if (!aead.Open(nonce, aad, packet, tag) || aead.Open(nonce, aad, packet, badTag))
                {
                    throw new InvalidOperationException("round trip failed");
                }
            }
        }

        for (int i = 0; i < 500; i++)
        {
            Round();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000 / packets.Length; i++)
        {
            Round();
        }

        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(0, after - before);
    }

    private static int Rejects(ChaCha20Poly1305Aead aead, byte[] nonce, byte[] aad, byte[] data, byte[] tag)
    {
        bool opened = aead.Open(nonce, aad, data, tag);
        Assert.True(data.AsSpan().IndexOfAnyExcept((byte)0) < 0, "a rejected packet must be left zeroed");
        return opened ? 0 : 1;
    }
}
