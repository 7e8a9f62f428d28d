using System.Numerics;
using System.Text;
using IpsecFw.Esp.Crypto;
using static IpsecFw.Testing.TestData;

namespace IpsecFw.Esp.Tests.Crypto;

/// <summary>Poly1305 (RFC 8439 section 2.5): the RFC example, and a big-integer transcription of the definition on
/// random and extreme inputs (all-ones keys and blocks drive every carry).</summary>
public sealed class Poly1305Tests
{
    private static readonly BigInteger s_p = (BigInteger.One << 130) - 5;

    [Fact]
    public void Tag_matches_RFC8439_2_5_2()
    {
        // Section 2.5.2: key 85:d6:be:78:...:f5:1b, message "Cryptographic Forum Research Group".
        byte[] key = Hex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
        byte[] message = Encoding.ASCII.GetBytes("Cryptographic Forum Research Group");
        var tag = new byte[16];
        Poly1305.Mac(key, message, tag);
        Assert.Equal(Hex("a8061dc1305136c6c22b8baf0c0127a9"), tag);
    }

    [Fact]
    public void Matches_the_big_integer_definition_on_random_inputs()
    {
        var rng = new Random(1305);
        var key = new byte[32];
        var tag = new byte[16];
        for (int length = 0; length <= 300; length++)
        {
            var message = new byte[length];
            rng.NextBytes(key);
            rng.NextBytes(message);
            Poly1305.Mac(key, message, tag);
            Assert.Equal(Reference(key, message), tag);
        }
    }

    [Theory]
    [InlineData(0xFF, 0xFF)]
    [InlineData(0xFF, 0x00)]
    [InlineData(0x00, 0xFF)]
    [InlineData(0xFE, 0xFF)]
    [InlineData(0xFF, 0xFB)]
    public void Matches_the_big_integer_definition_on_extreme_inputs(byte keyByte, byte messageByte)
    {
        var key = new byte[32];
        Array.Fill(key, keyByte);
        var tag = new byte[16];
        foreach (int length in new[] { 0, 1, 15, 16, 17, 32, 64, 255, 256, 1000, 4096 })
        {
            var message = new byte[length];
            Array.Fill(message, messageByte);
            Poly1305.Mac(key, message, tag);
            Assert.Equal(Reference(key, message), tag);
        }
    }

    [Fact]
    public void Accumulator_just_below_and_above_p_reduces_fully()
    {
        // r = 1 makes h the sum of the blocks, so the blocks can steer h to p − 1, p, p + 4 and past 2^130 before the
        // final reduction. s = 0 exposes (h mod p) mod 2^128 directly in the tag.
        var key = new byte[32];
        key[0] = 1;
        var tag = new byte[16];
        foreach (BigInteger target in new[] { s_p - 1, s_p, s_p + 1, s_p + 4, (BigInteger.One << 130) + 7 })
        {
            // Three full blocks, each carrying 2^128: 3·2^128 + a + b + 0 = target.
            BigInteger rest = target - 3 * (BigInteger.One << 128);
            BigInteger a = BigInteger.Min(rest, (BigInteger.One << 128) - 1);
            BigInteger b = rest - a;
            var message = new byte[48];
            a.TryWriteBytes(message.AsSpan(0, 16), out _, isUnsigned: true);
            b.TryWriteBytes(message.AsSpan(16, 16), out _, isUnsigned: true);
            Poly1305.Mac(key, message, tag);
            Assert.Equal(Reference(key, message), tag);
            Assert.Equal((target % s_p) & ((BigInteger.One << 128) - 1), new BigInteger(tag, isUnsigned: true));
        }
    }

    /// <summary>Section 2.5, literally: clamp r, then for each block a = ((a + n) · r) mod p, then tag = a + s.</summary>
    private static byte[] Reference(byte[] key, byte[] message)
    {
        byte[] rBytes = key.AsSpan(0, 16).ToArray();
        foreach (int i in new[] { 3, 7, 11, 15 })
        {
            rBytes[i] &= 15;
        }

        foreach (int i in new[] { 4, 8, 12 })
        {
            rBytes[i] &= 252;
        }

        var r = new BigInteger(rBytes, isUnsigned: true);
        var s = new BigInteger(key.AsSpan(16), isUnsigned: true);
        BigInteger a = BigInteger.Zero;
        for (int offset = 0; offset < message.Length; offset += 16)
        {
            int n = Math.Min(16, message.Length - offset);
            var block = new byte[n + 1];
            Array.Copy(message, offset, block, 0, n);
            block[n] = 1;
            a = (a + new BigInteger(block, isUnsigned: true)) * r % s_p;
        }

        BigInteger tag = (a + s) & ((BigInteger.One << 128) - 1);
        var bytes = new byte[16];
        tag.TryWriteBytes(bytes, out _, isUnsigned: true);
        return bytes;
    }
}
