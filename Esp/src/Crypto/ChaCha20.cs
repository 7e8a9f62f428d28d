using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;

namespace IpsecFw.Esp.Crypto;

/// <summary>
/// The ChaCha20 stream cipher of RFC 8439 section 2.4: 32-byte key, 96-bit nonce, 32-bit block counter.
/// </summary>
/// <remarks>
/// Three implementations compute the block function (section 2.3): <see cref="ChaCha20X8"/> runs eight blocks at once
/// on AVX2, <see cref="ChaCha20X4"/> four at once on SSE2, and the scalar one here one at a time. The widest one the CPU
/// has is chosen once, through static readonly flags the JIT folds into constants; a narrower one only finishes what is
/// left after the wider one has run over whole batches. Every keystream byte that passes through a stack buffer is
/// zeroed before the buffer is released.
/// </remarks>
internal static class ChaCha20
{
    /// <summary>Bytes in one ChaCha20 block.</summary>
    public const int BlockSize = 64;

    /// <summary>The most blocks <see cref="HeadBlocks"/> ever asks for.</summary>
    public const int MaxHeadBlocks = ChaCha20X8.Lanes;

    // RFC 8439 section 2.3: the constants "expand 32-byte k" in state words 0 to 3.
    internal const uint Sigma0 = 0x61707865;
    internal const uint Sigma1 = 0x3320646e;
    internal const uint Sigma2 = 0x79622d32;
    internal const uint Sigma3 = 0x6b206574;

    private static readonly bool s_x8 = ChaCha20X8.IsSupported;
    private static readonly bool s_x4 = ChaCha20X4.IsSupported;

    /// <summary>
    /// How many blocks, counting from 0, the AEAD should take from <see cref="Keystream"/> in one go for a message of
    /// <paramref name="dataLength"/> bytes: block 0 is the Poly1305 key (RFC 8439 section 2.6) and the rest encrypt
    /// the first bytes of the message, so short messages need a single pass of the block function. A whole batch of
    /// the widest implementation that is worth running.
    /// </summary>
    public static int HeadBlocks(int dataLength)
    {
        if (s_x8 && dataLength > (ChaCha20X4.Lanes - 1) * BlockSize)
        {
            return ChaCha20X8.Lanes;
        }

        return s_x4 ? ChaCha20X4.Lanes : 1;
    }

    /// <summary>
    /// Bytes per batch of the widest implementation: the AEAD works through the message in batches of this size.
    /// </summary>
    public static int BatchSize => s_x8 ? ChaCha20X8.BatchSize : s_x4 ? ChaCha20X4.BatchSize : BlockSize;

    /// <summary>
    /// The size of the batch that covers a final <paramref name="tailLength"/> (1 to <see cref="BatchSize"/> − 1) bytes:
    /// the narrowest one at least that long among those the CPU runs, a single block for up to 64 bytes.
    /// </summary>
    public static int TailBatchSize(int tailLength)
    {
        if (s_x8 && tailLength > ChaCha20X4.BatchSize)
        {
            return ChaCha20X8.BatchSize;
        }

        // One block is cheaper on its own than in a four-lane batch.
        return s_x4 && tailLength > BlockSize ? ChaCha20X4.BatchSize : BlockSize;
    }

    /// <summary>
    /// XORs the keystream from block <paramref name="counter"/> on into <paramref name="batch"/> (a batch of
    /// <see cref="BatchSize"/> or <see cref="TailBatchSize"/> bytes) and absorbs <paramref name="macData"/> (whole
    /// 16-byte blocks) into <paramref name="mac"/>, reading all of it before writing any of the batch, so the two may
    /// overlap. On AVX2 the two run interleaved in <see cref="ChaCha20X8.XorWithMac"/>.
    /// </summary>
    public static void XorWithMac(
        ref readonly ChaCha20Key key, uint counter, in ChaCha20Nonce nonce, Span<byte> batch, ref Poly1305 mac, ReadOnlySpan<byte> macData)
    {
        if (s_x8 && batch.Length == ChaCha20X8.BatchSize)
        {
            ChaCha20X8.XorWithMac(
                in key, counter, in nonce, ref MemoryMarshal.GetReference(batch), ref mac, ref MemoryMarshal.GetReference(macData), macData.Length / Poly1305.BlockSize);
            return;
        }

        mac.Update(macData);
        Xor(in key, counter, in nonce, batch);
    }

    /// <summary>Writes the keystream from block <paramref name="counter"/> on to <paramref name="destination"/>.</summary>
    public static void Keystream(ref readonly ChaCha20Key key, uint counter, in ChaCha20Nonce nonce, Span<byte> destination)
    {
        destination.Clear();
        Xor(in key, counter, in nonce, destination);
    }

    /// <summary>
    /// Encrypts or decrypts <paramref name="data"/> in place with the keystream from block <paramref name="counter"/>
    /// on (RFC 8439 section 2.4). The caller keeps counter + blocks within 2^32.
    /// </summary>
    public static void Xor(ref readonly ChaCha20Key key, uint counter, in ChaCha20Nonce nonce, Span<byte> data)
    {
        if (s_x8)
        {
            int batches = data.Length / ChaCha20X8.BatchSize;
            if (batches > 0)
            {
                ChaCha20X8.Xor(in key, counter, in nonce, ref MemoryMarshal.GetReference(data), batches);
                counter += (uint)(batches * ChaCha20X8.Lanes);
                data = data[(batches * ChaCha20X8.BatchSize)..];
            }

            if (data.Length > ChaCha20X4.BatchSize)
            {
                // More than four blocks are left: one eight-block batch covers them faster than two of four.
                Span<byte> stream = stackalloc byte[ChaCha20X8.BatchSize];
                stream.Clear();
                ChaCha20X8.Xor(in key, counter, in nonce, ref MemoryMarshal.GetReference(stream), 1);
                XorInto(data, stream);
                CryptographicOperations.ZeroMemory(stream);
                return;
            }
        }

        if (s_x4 && data.Length > BlockSize)
        {
            XorX4(in key, counter, in nonce, data);
            return;
        }

        XorScalar(in key, counter, in nonce, data);
    }

    /// <summary>The four-lane implementation over any length (whole batches in place, the rest through a buffer).</summary>
    internal static void XorX4(ref readonly ChaCha20Key key, uint counter, in ChaCha20Nonce nonce, Span<byte> data)
    {
        int batches = data.Length / ChaCha20X4.BatchSize;
        if (batches > 0)
        {
            ChaCha20X4.Xor(in key, counter, in nonce, ref MemoryMarshal.GetReference(data), batches);
            counter += (uint)(batches * ChaCha20X4.Lanes);
            data = data[(batches * ChaCha20X4.BatchSize)..];
        }

        if (!data.IsEmpty)
        {
            Span<byte> stream = stackalloc byte[ChaCha20X4.BatchSize];
            stream.Clear();
            ChaCha20X4.Xor(in key, counter, in nonce, ref MemoryMarshal.GetReference(stream), 1);
            XorInto(data, stream);
            CryptographicOperations.ZeroMemory(stream);
        }
    }

    /// <summary>The scalar implementation over any length, one block at a time.</summary>
    internal static void XorScalar(ref readonly ChaCha20Key key, uint counter, in ChaCha20Nonce nonce, Span<byte> data)
    {
        Span<byte> stream = stackalloc byte[BlockSize];
        while (!data.IsEmpty)
        {
            Block(in key, counter++, in nonce, stream);
            int n = Math.Min(BlockSize, data.Length);
            XorInto(data[..n], stream);
            data = data[n..];
        }

        CryptographicOperations.ZeroMemory(stream);
    }

    /// <summary>The ChaCha20 block function (RFC 8439 section 2.3), serialised little-endian into 64 bytes.</summary>
    internal static void Block(ref readonly ChaCha20Key key, uint counter, in ChaCha20Nonce nonce, Span<byte> output)
    {
        uint x0 = Sigma0, x1 = Sigma1, x2 = Sigma2, x3 = Sigma3;
        uint x4 = key[0], x5 = key[1], x6 = key[2], x7 = key[3];
        uint x8 = key[4], x9 = key[5], x10 = key[6], x11 = key[7];
        uint x12 = counter, x13 = nonce.Word0, x14 = nonce.Word1, x15 = nonce.Word2;

        // Section 2.3: ten "double rounds", a column round then a diagonal round.
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

        // The original input words are added to the result, which is serialised little-endian.
        Span<byte> o = output[..BlockSize];
        BinaryPrimitives.WriteUInt32LittleEndian(o, x0 + Sigma0);
        BinaryPrimitives.WriteUInt32LittleEndian(o[4..], x1 + Sigma1);
        BinaryPrimitives.WriteUInt32LittleEndian(o[8..], x2 + Sigma2);
        BinaryPrimitives.WriteUInt32LittleEndian(o[12..], x3 + Sigma3);
        BinaryPrimitives.WriteUInt32LittleEndian(o[16..], x4 + key[0]);
        BinaryPrimitives.WriteUInt32LittleEndian(o[20..], x5 + key[1]);
        BinaryPrimitives.WriteUInt32LittleEndian(o[24..], x6 + key[2]);
        BinaryPrimitives.WriteUInt32LittleEndian(o[28..], x7 + key[3]);
        BinaryPrimitives.WriteUInt32LittleEndian(o[32..], x8 + key[4]);
        BinaryPrimitives.WriteUInt32LittleEndian(o[36..], x9 + key[5]);
        BinaryPrimitives.WriteUInt32LittleEndian(o[40..], x10 + key[6]);
        BinaryPrimitives.WriteUInt32LittleEndian(o[44..], x11 + key[7]);
        BinaryPrimitives.WriteUInt32LittleEndian(o[48..], x12 + counter);
        BinaryPrimitives.WriteUInt32LittleEndian(o[52..], x13 + nonce.Word0);
        BinaryPrimitives.WriteUInt32LittleEndian(o[56..], x14 + nonce.Word1);
        BinaryPrimitives.WriteUInt32LittleEndian(o[60..], x15 + nonce.Word2);
    }

    /// <summary><paramref name="data"/> ^= the first data.Length bytes of <paramref name="stream"/>.</summary>
    internal static void XorInto(Span<byte> data, ReadOnlySpan<byte> stream)
    {
        ref byte d = ref MemoryMarshal.GetReference(data);
        ref byte s = ref MemoryMarshal.GetReference(stream[..data.Length]);
        nuint length = (nuint)data.Length;
        nuint i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= length; i += 32)
            {
                (Vector256.LoadUnsafe(ref d, i) ^ Vector256.LoadUnsafe(ref s, i)).StoreUnsafe(ref d, i);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 16 <= length; i += 16)
            {
                (Vector128.LoadUnsafe(ref d, i) ^ Vector128.LoadUnsafe(ref s, i)).StoreUnsafe(ref d, i);
            }
        }

        for (; i + 8 <= length; i += 8)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, i), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref d, i)) ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref s, i)));
        }

        for (; i < length; i++)
        {
            Unsafe.Add(ref d, i) ^= Unsafe.Add(ref s, i);
        }
    }

    /// <summary>The quarter round of RFC 8439 section 2.1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void QuarterRound(ref uint a, ref uint b, ref uint c, ref uint d)
    {
        a += b; d ^= a; d = BitOperations.RotateLeft(d, 16);
        c += d; b ^= c; b = BitOperations.RotateLeft(b, 12);
        a += b; d ^= a; d = BitOperations.RotateLeft(d, 8);
        c += d; b ^= c; b = BitOperations.RotateLeft(b, 7);
    }
}
