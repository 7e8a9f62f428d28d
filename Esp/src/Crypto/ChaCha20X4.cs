using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace IpsecFw.Esp.Crypto;

/// <summary>
/// The ChaCha20 block function (RFC 8439 section 2.3) on four consecutive blocks at once with SSE2.
/// </summary>
/// <remarks>
/// The same transposed layout as <see cref="ChaCha20X8"/> at half the width: vector i carries state word i of four
/// blocks. Runs where AVX2 is missing, and after the eight-lane batches for a remainder of at most four blocks.
/// Rotations by 16 and 8 bits use SSSE3 byte shuffles where present, AVX-512VL's rotate where that is present.
/// </remarks>
internal static class ChaCha20X4
{
    /// <summary>Blocks per batch.</summary>
    public const int Lanes = 4;

    /// <summary>Bytes per batch.</summary>
    public const int BatchSize = Lanes * ChaCha20.BlockSize;

    /// <summary>True where the CPU has SSE2.</summary>
    public static bool IsSupported => Sse2.IsSupported;

    private static Vector128<byte> Rot16Mask => Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);

    private static Vector128<byte> Rot8Mask => Vector128.Create((byte)3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14);

    /// <summary>
    /// XORs the keystream of blocks counter .. counter + 4·batches − 1 into <paramref name="batches"/> × 256 bytes at
    /// <paramref name="data"/>, in place.
    /// </summary>
    public static void Xor(ref readonly ChaCha20Key key, uint counter, in ChaCha20Nonce nonce, ref byte data, int batches)
    {
        Vector128<uint> laneOffsets = Vector128.Create(0u, 1, 2, 3);
        for (int batch = 0; batch < batches; batch++)
        {
            Vector128<uint> x0 = Vector128.Create(ChaCha20.Sigma0);
            Vector128<uint> x1 = Vector128.Create(ChaCha20.Sigma1);
            Vector128<uint> x2 = Vector128.Create(ChaCha20.Sigma2);
            Vector128<uint> x3 = Vector128.Create(ChaCha20.Sigma3);
            Vector128<uint> x4 = Vector128.Create(key[0]);
            Vector128<uint> x5 = Vector128.Create(key[1]);
            Vector128<uint> x6 = Vector128.Create(key[2]);
            Vector128<uint> x7 = Vector128.Create(key[3]);
            Vector128<uint> x8 = Vector128.Create(key[4]);
            Vector128<uint> x9 = Vector128.Create(key[5]);
            Vector128<uint> x10 = Vector128.Create(key[6]);
            Vector128<uint> x11 = Vector128.Create(key[7]);
            Vector128<uint> counters = Vector128.Create(counter) + laneOffsets;
            Vector128<uint> x12 = counters;
            Vector128<uint> x13 = Vector128.Create(nonce.Word0);
            Vector128<uint> x14 = Vector128.Create(nonce.Word1);
            Vector128<uint> x15 = Vector128.Create(nonce.Word2);

            // Section 2.3: ten double rounds, each a column round and a diagonal round (section 2.2).
            for (int i = 0; i < 10; i++)
            {
                QuarterRound(ref x0, ref x4, ref x8, ref x12);
                QuarterRound(ref x1, ref x5, ref x9, ref x13);
                QuarterRound(ref x2, ref x6, ref x10, ref x14);
                QuarterRound(ref x3, ref x7, ref x11, ref x15);
                QuarterRound(ref x0, ref x5, ref x10, ref x15);
                QuarterRound(ref x1, ref x6, ref x11, ref x12);
                QuarterRound(ref x2, ref x7, ref x8, ref x13);
                QuarterRound(ref x3, ref x4, ref x9, ref x14);
            }

            // Feed-forward: add the input state.
            x0 += Vector128.Create(ChaCha20.Sigma0);
            x1 += Vector128.Create(ChaCha20.Sigma1);
            x2 += Vector128.Create(ChaCha20.Sigma2);
            x3 += Vector128.Create(ChaCha20.Sigma3);
            x4 += Vector128.Create(key[0]);
            x5 += Vector128.Create(key[1]);
            x6 += Vector128.Create(key[2]);
            x7 += Vector128.Create(key[3]);
            x8 += Vector128.Create(key[4]);
            x9 += Vector128.Create(key[5]);
            x10 += Vector128.Create(key[6]);
            x11 += Vector128.Create(key[7]);
            x12 += counters;
            x13 += Vector128.Create(nonce.Word0);
            x14 += Vector128.Create(nonce.Word1);
            x15 += Vector128.Create(nonce.Word2);

            // Transpose each group of four words: afterwards vector k of a group holds those words of block k.
            Transpose4(ref x0, ref x1, ref x2, ref x3);
            Transpose4(ref x4, ref x5, ref x6, ref x7);
            Transpose4(ref x8, ref x9, ref x10, ref x11);
            Transpose4(ref x12, ref x13, ref x14, ref x15);

            ref byte block = ref Unsafe.Add(ref data, batch * BatchSize);
            Store(ref block, 0, x0, x4, x8, x12);
            Store(ref block, 1, x1, x5, x9, x13);
            Store(ref block, 2, x2, x6, x10, x14);
            Store(ref block, 3, x3, x7, x11, x15);
            counter += Lanes;
        }
    }

    /// <summary>The quarter round of RFC 8439 section 2.1, on four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d)
    {
        a += b; d ^= a; d = RotateLeft16(d);
        c += d; b ^= c; b = RotateLeft12(b);
        a += b; d ^= a; d = RotateLeft8(d);
        c += d; b ^= c; b = RotateLeft7(b);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> RotateLeft16(Vector128<uint> x)
    {
        if (Avx512F.VL.IsSupported)
        {
            return Avx512F.VL.RotateLeft(x, 16);
        }

        return Ssse3.IsSupported ? Ssse3.Shuffle(x.AsByte(), Rot16Mask).AsUInt32() : Vector128.ShiftLeft(x, 16) | Vector128.ShiftRightLogical(x, 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> RotateLeft12(Vector128<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, 12) : Vector128.ShiftLeft(x, 12) | Vector128.ShiftRightLogical(x, 20);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> RotateLeft8(Vector128<uint> x)
    {
        if (Avx512F.VL.IsSupported)
        {
            return Avx512F.VL.RotateLeft(x, 8);
        }

        return Ssse3.IsSupported ? Ssse3.Shuffle(x.AsByte(), Rot8Mask).AsUInt32() : Vector128.ShiftLeft(x, 8) | Vector128.ShiftRightLogical(x, 24);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> RotateLeft7(Vector128<uint> x) =>
        Avx512F.VL.IsSupported ? Avx512F.VL.RotateLeft(x, 7) : Vector128.ShiftLeft(x, 7) | Vector128.ShiftRightLogical(x, 25);

    /// <summary>4 × 4 transpose: on return vector k holds the four words of block k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d)
    {
        Vector128<ulong> ab0 = Sse2.UnpackLow(a, b).AsUInt64();   // a0 b0 a1 b1
        Vector128<ulong> ab1 = Sse2.UnpackHigh(a, b).AsUInt64();  // a2 b2 a3 b3
        Vector128<ulong> cd0 = Sse2.UnpackLow(c, d).AsUInt64();
        Vector128<ulong> cd1 = Sse2.UnpackHigh(c, d).AsUInt64();
        a = Sse2.UnpackLow(ab0, cd0).AsUInt32();                  // a0 b0 c0 d0
        b = Sse2.UnpackHigh(ab0, cd0).AsUInt32();                 // a1 b1 c1 d1
        c = Sse2.UnpackLow(ab1, cd1).AsUInt32();
        d = Sse2.UnpackHigh(ab1, cd1).AsUInt32();
    }

    /// <summary>XORs block <paramref name="k"/> (its words 0-3, 4-7, 8-11, 12-15) into the batch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref byte batch, int k, Vector128<uint> w0, Vector128<uint> w4, Vector128<uint> w8, Vector128<uint> w12)
    {
        ref byte block = ref Unsafe.Add(ref batch, k * ChaCha20.BlockSize);
        (w0.AsByte() ^ Vector128.LoadUnsafe(ref block)).StoreUnsafe(ref block);
        (w4.AsByte() ^ Vector128.LoadUnsafe(ref block, 16)).StoreUnsafe(ref block, 16);
        (w8.AsByte() ^ Vector128.LoadUnsafe(ref block, 32)).StoreUnsafe(ref block, 32);
        (w12.AsByte() ^ Vector128.LoadUnsafe(ref block, 48)).StoreUnsafe(ref block, 48);
    }
}
