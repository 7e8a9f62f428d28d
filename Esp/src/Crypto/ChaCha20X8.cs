using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IpsecFw.Esp.Crypto;

/// <summary>
/// The ChaCha20 block function (RFC 8439 section 2.3) on eight consecutive blocks at once with AVX2.
/// </summary>
/// <remarks>
/// The state is held transposed: vector i carries state word i of all eight blocks, one block per 32-bit lane, so the
/// quarter rounds of section 2.1 run on whole vectors and the column and diagonal rounds need no shuffles. Only the
/// block counter (word 12) differs between lanes. After the twenty rounds and the feed-forward addition the 16 × 8 words
/// are transposed back into eight serialised blocks and XORed into the data. Rotations by 16 and 8 bits are byte
/// shuffles, by 12 and 7 two shifts; AVX-512VL has a rotate instruction for all four. With AVX-512 the JIT also has
/// 32 vector registers, enough to hold the whole state without spilling. <see cref="XorWithMac"/> runs Poly1305 blocks
/// between the quarter rounds, on the scalar units the vector code leaves idle.
/// </remarks>
internal static class ChaCha20X8
{
    /// <summary>Blocks per batch.</summary>
    public const int Lanes = 8;

    /// <summary>Bytes per batch.</summary>
    public const int BatchSize = Lanes * ChaCha20.BlockSize;

    /// <summary>True where the CPU has AVX2.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    private static Vector256<byte> Rot16Mask => Vector256.Create(
        (byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
        2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);

    private static Vector256<byte> Rot8Mask => Vector256.Create(
        (byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14,
        3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);

    /// <summary>
    /// XORs the keystream of blocks counter .. counter + 8·batches − 1 into <paramref name="batches"/> × 512 bytes at
    /// <paramref name="data"/>, in place.
    /// </summary>
    public static void Xor(ref readonly ChaCha20Key key, uint counter, in ChaCha20Nonce nonce, ref byte data, int batches)
    {
        Poly1305 idle = default;
        for (int batch = 0; batch < batches; batch++)
        {
            XorWithMac(in key, counter, in nonce, ref Unsafe.Add(ref data, batch * BatchSize), ref idle, ref data, 0);
            counter += Lanes;
        }
    }

    /// <summary>
    /// XORs the keystream of blocks counter .. counter + 7 into the 512 bytes at <paramref name="data"/>, in place, and
    /// meanwhile absorbs <paramref name="macBlocks"/> full 16-byte blocks at <paramref name="macData"/> into
    /// <paramref name="mac"/>. Every read of the MAC input happens before the first write to the batch, so the MAC input
    /// may be the batch itself (ciphertext authenticated before it is decrypted in place).
    /// </summary>
    /// <remarks>
    /// The Poly1305 blocks are interleaved with the quarter rounds ("stitching"): Poly1305 is one serial chain of
    /// scalar multiplications and carries whose latency leaves most issue slots idle, and the ChaCha20 rounds fill them
    /// with vector work, so the pair costs little more than Poly1305 alone.
    /// </remarks>
    public static void XorWithMac(
        ref readonly ChaCha20Key key, uint counter, in ChaCha20Nonce nonce, ref byte data, ref Poly1305 mac, ref byte macData, int macBlocks)
    {
        mac.GetKey(out ulong r0, out ulong r1, out ulong s1);
        mac.GetAccumulator(out ulong h0, out ulong h1, out ulong h2);

        // Four slots per double round take one MAC block each; blocks beyond the forty slots follow the rounds.
        ref byte m = ref macData;
        ref byte macEnd = ref Unsafe.Add(ref macData, macBlocks * Poly1305.BlockSize);

        Vector256<uint> x0 = Vector256.Create(ChaCha20.Sigma0);
        Vector256<uint> x1 = Vector256.Create(ChaCha20.Sigma1);
        Vector256<uint> x2 = Vector256.Create(ChaCha20.Sigma2);
        Vector256<uint> x3 = Vector256.Create(ChaCha20.Sigma3);
        Vector256<uint> x4 = Vector256.Create(key[0]);
        Vector256<uint> x5 = Vector256.Create(key[1]);
        Vector256<uint> x6 = Vector256.Create(key[2]);
        Vector256<uint> x7 = Vector256.Create(key[3]);
        Vector256<uint> x8 = Vector256.Create(key[4]);
        Vector256<uint> x9 = Vector256.Create(key[5]);
        Vector256<uint> x10 = Vector256.Create(key[6]);
        Vector256<uint> x11 = Vector256.Create(key[7]);
        Vector256<uint> counters = Vector256.Create(counter) + Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7);
        Vector256<uint> x12 = counters;
        Vector256<uint> x13 = Vector256.Create(nonce.Word0);
        Vector256<uint> x14 = Vector256.Create(nonce.Word1);
        Vector256<uint> x15 = Vector256.Create(nonce.Word2);

        // Section 2.3: ten double rounds, each a column round and a diagonal round (section 2.2).
        for (int i = 0; i < 10; i++)
        {
            QuarterRound(ref x0, ref x4, ref x8, ref x12);
            QuarterRound(ref x1, ref x5, ref x9, ref x13);
            if (Unsafe.IsAddressLessThan(ref m, ref macEnd))
            {
                Poly1305.Absorb(ref h0, ref h1, ref h2, r0, r1, s1, ref m, 1);
                m = ref Unsafe.Add(ref m, Poly1305.BlockSize);
            }

            QuarterRound(ref x2, ref x6, ref x10, ref x14);
            QuarterRound(ref x3, ref x7, ref x11, ref x15);
            if (Unsafe.IsAddressLessThan(ref m, ref macEnd))
            {
                Poly1305.Absorb(ref h0, ref h1, ref h2, r0, r1, s1, ref m, 1);
                m = ref Unsafe.Add(ref m, Poly1305.BlockSize);
            }

            QuarterRound(ref x0, ref x5, ref x10, ref x15);
            QuarterRound(ref x1, ref x6, ref x11, ref x12);
            if (Unsafe.IsAddressLessThan(ref m, ref macEnd))
            {
                Poly1305.Absorb(ref h0, ref h1, ref h2, r0, r1, s1, ref m, 1);
                m = ref Unsafe.Add(ref m, Poly1305.BlockSize);
            }

            QuarterRound(ref x2, ref x7, ref x8, ref x13);
            QuarterRound(ref x3, ref x4, ref x9, ref x14);
            if (Unsafe.IsAddressLessThan(ref m, ref macEnd))
            {
                Poly1305.Absorb(ref h0, ref h1, ref h2, r0, r1, s1, ref m, 1);
                m = ref Unsafe.Add(ref m, Poly1305.BlockSize);
            }
        }

        if (macBlocks > 0)
        {
            while (Unsafe.IsAddressLessThan(ref m, ref macEnd))
            {
                Poly1305.Absorb(ref h0, ref h1, ref h2, r0, r1, s1, ref m, 1);
                m = ref Unsafe.Add(ref m, Poly1305.BlockSize);
            }

            mac.SetAccumulator(h0, h1, h2);
        }

        // Feed-forward: add the input state.
        x0 += Vector256.Create(ChaCha20.Sigma0);
        x1 += Vector256.Create(ChaCha20.Sigma1);
        x2 += Vector256.Create(ChaCha20.Sigma2);
        x3 += Vector256.Create(ChaCha20.Sigma3);
        x4 += Vector256.Create(key[0]);
        x5 += Vector256.Create(key[1]);
        x6 += Vector256.Create(key[2]);
        x7 += Vector256.Create(key[3]);
        x8 += Vector256.Create(key[4]);
        x9 += Vector256.Create(key[5]);
        x10 += Vector256.Create(key[6]);
        x11 += Vector256.Create(key[7]);
        x12 += counters;
        x13 += Vector256.Create(nonce.Word0);
        x14 += Vector256.Create(nonce.Word1);
        x15 += Vector256.Create(nonce.Word2);

        // Transpose each group of four words: a_k then holds those words of block k (low half) and k + 4 (high).
        Transpose4(ref x0, ref x1, ref x2, ref x3);
        Transpose4(ref x4, ref x5, ref x6, ref x7);
        Transpose4(ref x8, ref x9, ref x10, ref x11);
        Transpose4(ref x12, ref x13, ref x14, ref x15);

        Store(ref data, 0, x0, x4, x8, x12);
        Store(ref data, 1, x1, x5, x9, x13);
        Store(ref data, 2, x2, x6, x10, x14);
        Store(ref data, 3, x3, x7, x11, x15);
    }

    /// <summary>The quarter round of RFC 8439 section 2.1, on eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        a += b; d ^= a; d = RotateLeft16(d);
        c += d; b ^= c; b = RotateLeft12(b);
        a += b; d ^= a; d = RotateLeft8(d);
        c += d; b ^= c; b = RotateLeft7(b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateLeft16(Vector256<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, 16) : Avx2.Shuffle(x.AsByte(), Rot16Mask).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateLeft12(Vector256<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, 12) : Vector256.ShiftLeft(x, 12) | Vector256.ShiftRightLogical(x, 20);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateLeft8(Vector256<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, 8) : Avx2.Shuffle(x.AsByte(), Rot8Mask).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RotateLeft7(Vector256<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, 7) : Vector256.ShiftLeft(x, 7) | Vector256.ShiftRightLogical(x, 25);

    /// <summary>
    /// Transposes words w..w+3 of the eight blocks: on return <paramref name="a"/> holds them for blocks 0 and 4,
    /// <paramref name="b"/> for 1 and 5, <paramref name="c"/> for 2 and 6, <paramref name="d"/> for 3 and 7.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d)
    {
        Vector256<ulong> ab0 = Avx2.UnpackLow(a, b).AsUInt64();   // a0 b0 a1 b1 | a4 b4 a5 b5
        Vector256<ulong> ab1 = Avx2.UnpackHigh(a, b).AsUInt64();  // a2 b2 a3 b3 | a6 b6 a7 b7
        Vector256<ulong> cd0 = Avx2.UnpackLow(c, d).AsUInt64();
        Vector256<ulong> cd1 = Avx2.UnpackHigh(c, d).AsUInt64();
        a = Avx2.UnpackLow(ab0, cd0).AsUInt32();                  // a0 b0 c0 d0 | a4 b4 c4 d4
        b = Avx2.UnpackHigh(ab0, cd0).AsUInt32();                 // a1 b1 c1 d1 | a5 b5 c5 d5
        c = Avx2.UnpackLow(ab1, cd1).AsUInt32();
        d = Avx2.UnpackHigh(ab1, cd1).AsUInt32();
    }

    /// <summary>
    /// XORs blocks <paramref name="k"/> and k + 4 into the batch: words 0-3, 4-7, 8-11 and 12-15 of both come in
    /// <paramref name="w0"/>, <paramref name="w4"/>, <paramref name="w8"/> and <paramref name="w12"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref byte batch, int k, Vector256<uint> w0, Vector256<uint> w4, Vector256<uint> w8, Vector256<uint> w12)
    {
        ref byte low = ref Unsafe.Add(ref batch, k * ChaCha20.BlockSize);
        ref byte high = ref Unsafe.Add(ref batch, (k + 4) * ChaCha20.BlockSize);
        (Avx2.Permute2x128(w0, w4, 0x20).AsByte() ^ Vector256.LoadUnsafe(ref low)).StoreUnsafe(ref low);
        (Avx2.Permute2x128(w8, w12, 0x20).AsByte() ^ Vector256.LoadUnsafe(ref low, 32)).StoreUnsafe(ref low, 32);
        (Avx2.Permute2x128(w0, w4, 0x31).AsByte() ^ Vector256.LoadUnsafe(ref high)).StoreUnsafe(ref high);
        (Avx2.Permute2x128(w8, w12, 0x31).AsByte() ^ Vector256.LoadUnsafe(ref high, 32)).StoreUnsafe(ref high, 32);
    }
}
