using System.Text;
using IpsecFw.Esp.Crypto;
using static IpsecFw.Testing.TestData;

namespace IpsecFw.Esp.Tests.Crypto;

/// <summary>ChaCha20 (RFC 8439 sections 2.3 and 2.4): the RFC examples on every implementation, and the
/// implementations against each other.</summary>
public sealed class ChaCha20Tests
{
    public enum Path
    {
        Dispatch,
        Scalar,
        X4,
        X8,
    }

    // RFC 8439 section 2.3.2: key 00:01:..:1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, block count 1.
    private static readonly byte[] s_blockKey = Hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    private static readonly byte[] s_blockNonce = Hex("000000090000004a00000000");
    private static readonly byte[] s_serializedBlock = Hex(
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e" +
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");

    // RFC 8439 section 2.4.2: same key, nonce 00:00:00:00:00:00:00:4a:00:00:00:00, initial counter 1.
    private static readonly byte[] s_encryptionNonce = Hex("000000000000004a00000000");
    private const string SunscreenText =
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";
    private static readonly byte[] s_sunscreenCiphertext = Hex(
        "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b" +
        "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8" +
        "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736" +
        "5af90bbf74a35be6b40b8eedf2785e42874d");

    public static TheoryData<Path> Paths => new(Path.Dispatch, Path.Scalar, Path.X4, Path.X8);

    [Fact]
    public void Block_function_matches_RFC8439_2_3_2()
    {
        ChaCha20Key key = Key(s_blockKey);
        var output = new byte[64];
        ChaCha20.Block(in key, 1, new ChaCha20Nonce(s_blockNonce), output);
        Assert.Equal(s_serializedBlock, output);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Keystream_block_1_matches_RFC8439_2_3_2(Path path)
    {
        SkipUnlessSupported(path);
        var data = new byte[64];
        Xor(path, s_blockKey, 1, s_blockNonce, data);
        Assert.Equal(s_serializedBlock, data);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Encryption_matches_RFC8439_2_4_2(Path path)
    {
        SkipUnlessSupported(path);
        byte[] data = Encoding.ASCII.GetBytes(SunscreenText);
        Xor(path, s_blockKey, 1, s_encryptionNonce, data);
        Assert.Equal(s_sunscreenCiphertext, data);

        Xor(path, s_blockKey, 1, s_encryptionNonce, data);
        Assert.Equal(SunscreenText, Encoding.ASCII.GetString(data));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Every_implementation_matches_the_scalar_block_function(Path path)
    {
        SkipUnlessSupported(path);
        var rng = new Random(8439 + (int)path);
        var key = new byte[32];
        var nonce = new byte[12];
        foreach (int length in Enumerable.Range(0, 1100).Concat([2047, 2048, 2049, 4096 + 320 + 7, 9000]))
        {
            rng.NextBytes(key);
            rng.NextBytes(nonce);
            uint counter = (uint)rng.Next(0, 1 << 20);
            var data = new byte[length];
            rng.NextBytes(data);

            var expected = (byte[])data.Clone();
            ReferenceXor(key, counter, nonce, expected);

            Xor(path, key, counter, nonce, data);
            Assert.Equal(expected, data);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(28)]
    [InlineData(32)]
    [InlineData(40)]
    [InlineData(41)]
    [InlineData(60)]
    [InlineData(100)]
    public void XorWithMac_equals_MAC_then_XOR_for_every_batch_size(int macBlocks)
    {
        var rng = new Random(macBlocks);
        var key = new byte[32];
        var nonce = new byte[12];
        var polyKey = new byte[32];
        rng.NextBytes(key);
        rng.NextBytes(nonce);
        rng.NextBytes(polyKey);
        ChaCha20Key k = Key(key);
        var n = new ChaCha20Nonce(nonce);
        foreach (int batchSize in new[] { ChaCha20.BatchSize, ChaCha20.TailBatchSize(1), ChaCha20.TailBatchSize(ChaCha20.BatchSize - 1) }.Distinct())
        {
            foreach (bool overlapping in new[] { false, true })
            {
                // The MAC input either precedes the batch (Seal) or runs up to the batch's end (Open, in place).
                int macLength = macBlocks * 16;
                int batchOffset = overlapping ? Math.Max(0, macLength - batchSize) : macLength;
                var buffer = new byte[Math.Max(macLength, batchOffset + batchSize)];
                rng.NextBytes(buffer);
                byte[] expected = (byte[])buffer.Clone();
                var expectedMac = new Poly1305(polyKey);
                expectedMac.Update(expected.AsSpan(0, macLength));
                ChaCha20.XorScalar(in k, 5, in n, expected.AsSpan(batchOffset, batchSize));
                var expectedTag = new byte[16];
                expectedMac.Finish(expectedTag);

                var mac = new Poly1305(polyKey);
                ChaCha20.XorWithMac(in k, 5, in n, buffer.AsSpan(batchOffset, batchSize), ref mac, buffer.AsSpan(0, macLength));
                var tag = new byte[16];
                mac.Finish(tag);
                Assert.Equal(expected, buffer);
                Assert.Equal(expectedTag, tag);
            }
        }
    }

    [Fact]
    public void Head_blocks_cover_block_0_and_the_first_bytes_in_one_batch()
    {
        int widest = ChaCha20X8.IsSupported ? 8 : ChaCha20X4.IsSupported ? 4 : 1;
        Assert.Equal(widest == 1 ? 1 : 4, ChaCha20.HeadBlocks(0));
        Assert.Equal(widest == 1 ? 1 : 4, ChaCha20.HeadBlocks(192));
        Assert.Equal(widest, ChaCha20.HeadBlocks(193));
        Assert.Equal(widest, ChaCha20.HeadBlocks(65536));
        Assert.True(ChaCha20.HeadBlocks(65536) <= ChaCha20.MaxHeadBlocks);
    }

    /// <summary>The keystream block by block from the scalar block function, which the RFC example pins down.</summary>
    private static void ReferenceXor(byte[] key, uint counter, byte[] nonce, byte[] data)
    {
        ChaCha20Key k = Key(key);
        var n = new ChaCha20Nonce(nonce);
        var block = new byte[64];
        for (int offset = 0; offset < data.Length; offset += 64)
        {
            ChaCha20.Block(in k, counter++, in n, block);
            for (int i = offset; i < Math.Min(offset + 64, data.Length); i++)
            {
                data[i] ^= block[i - offset];
            }
        }
    }

    private static void Xor(Path path, byte[] key, uint counter, byte[] nonce, Span<byte> data)
    {
        ChaCha20Key k = Key(key);
        var n = new ChaCha20Nonce(nonce);
        switch (path)
        {
            case Path.Dispatch:
                ChaCha20.Xor(in k, counter, in n, data);
                break;
            case Path.Scalar:
                ChaCha20.XorScalar(in k, counter, in n, data);
                break;
            case Path.X4:
                ChaCha20.XorX4(in k, counter, in n, data);
                break;
            case Path.X8:
                X8ThenScalar(in k, counter, in n, data);
                break;
        }
    }

    /// <summary>The eight-lane batches alone, with the scalar path for the remainder.</summary>
    private static void X8ThenScalar(ref readonly ChaCha20Key key, uint counter, in ChaCha20Nonce nonce, Span<byte> data)
    {
        int batches = data.Length / ChaCha20X8.BatchSize;
        if (batches > 0)
        {
            ChaCha20X8.Xor(in key, counter, in nonce, ref data[0], batches);
        }

        ChaCha20.XorScalar(in key, counter + (uint)(batches * ChaCha20X8.Lanes), in nonce, data[(batches * ChaCha20X8.BatchSize)..]);
    }

    private static void SkipUnlessSupported(Path path)
    {
        if (path == Path.X4 && !ChaCha20X4.IsSupported)
        {
            Assert.Skip("not run: this CPU has no SSE2");
        }

        if (path == Path.X8 && !ChaCha20X8.IsSupported)
        {
            Assert.Skip("not run: this CPU has no AVX2");
        }
    }

    internal static ChaCha20Key Key(byte[] key)
    {
        var k = default(ChaCha20Key);
        for (int i = 0; i < ChaCha20Key.Count; i++)
        {
            k[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(key.AsSpan(4 * i));
        }

        return k;
    }
}
