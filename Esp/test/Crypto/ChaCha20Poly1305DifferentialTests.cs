using System.Security.Cryptography;
using IpsecFw.Esp.Crypto;

namespace IpsecFw.Esp.Tests.Crypto;

/// <summary>Our ChaCha20-Poly1305 against System.Security.Cryptography.ChaCha20Poly1305 (OpenSSL) on random inputs.</summary>
public sealed class ChaCha20Poly1305DifferentialTests
{
    private static readonly int[] s_aadLengths = [0, 8, 12, 13, 16, 17, 150];

    [Fact]
    public void Matches_platform_ChaCha20Poly1305_for_every_length_0_to_1100()
    {
        SkipUnlessPlatformSupported();
        var rng = new Random(7539);
        for (int length = 0; length <= 1100; length++)
        {
            Compare(rng, length, s_aadLengths[length % s_aadLengths.Length]);
        }
    }

    [Theory]
    [InlineData(2047)]
    [InlineData(4096)]
    [InlineData(8950)]
    [InlineData(9000)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(100_001)]
    public void Matches_platform_ChaCha20Poly1305_for_long_messages(int length)
    {
        SkipUnlessPlatformSupported();
        var rng = new Random(length);
        foreach (int aadLength in new[] { 0, 12, 33 })
        {
            Compare(rng, length, aadLength);
        }
    }

    [Fact]
    public void Opens_what_the_platform_sealed_and_rejects_what_it_would_reject()
    {
        SkipUnlessPlatformSupported();
        var rng = new Random(7634);
        var key = new byte[32];
        var nonce = new byte[12];
        var aad = new byte[12];
        var tag = new byte[16];
        for (int length = 0; length <= 600; length += 7)
        {
            rng.NextBytes(key);
            rng.NextBytes(nonce);
            rng.NextBytes(aad);
            var plain = new byte[length];
            rng.NextBytes(plain);
            using var reference = new ChaCha20Poly1305(key);
            using var ours = new ChaCha20Poly1305Aead(key);
            var data = new byte[length];
            reference.Encrypt(nonce, plain, data, tag, aad);

            byte[] forged = (byte[])data.Clone();
            tag[length % 16] ^= 0x80;
            Assert.False(ours.Open(nonce, aad, forged, tag));
            Assert.Throws<AuthenticationTagMismatchException>(() => reference.Decrypt(nonce, data, tag, new byte[length], aad));
            tag[length % 16] ^= 0x80;

            Assert.True(ours.Open(nonce, aad, data, tag));
            Assert.Equal(plain, data);
        }
    }

    private static void Compare(Random rng, int length, int aadLength)
    {
        var key = new byte[32];
        var nonce = new byte[12];
        var aad = new byte[aadLength];
        var plain = new byte[length];
        rng.NextBytes(key);
        rng.NextBytes(nonce);
        rng.NextBytes(aad);
        rng.NextBytes(plain);

        using var reference = new ChaCha20Poly1305(key);
        var expected = new byte[length];
        var expectedTag = new byte[16];
        reference.Encrypt(nonce, plain, expected, expectedTag, aad);

        using var ours = new ChaCha20Poly1305Aead(key);
        var data = (byte[])plain.Clone();
        var tag = new byte[16];
        ours.Seal(nonce, aad, data, tag);
        Assert.True(expected.AsSpan().SequenceEqual(data), $"ciphertext differs at length {length}");
        Assert.Equal(expectedTag, tag);

        Assert.True(ours.Open(nonce, aad, data, tag));
        Assert.True(plain.AsSpan().SequenceEqual(data), $"plaintext differs at length {length}");
    }

    private static void SkipUnlessPlatformSupported()
    {
        if (!ChaCha20Poly1305.IsSupported)
        {
            Assert.Skip("not run: the platform has no ChaCha20Poly1305 to compare with");
        }
    }
}
