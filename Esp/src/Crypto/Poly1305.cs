using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;

namespace IpsecFw.Esp.Crypto;

/// <summary>
/// The Poly1305 one-time authenticator of RFC 8439 section 2.5, in 64-bit scalar arithmetic.
/// </summary>
/// <remarks>
/// <para>The accumulator h is kept in radix 2^64 as h0 + h1·2^64 + h2·2^128 with h2 a few bits; r = r0 + r1·2^64.
/// Clamping (section 2.5) clears the low two bits of r1, so r1·2^128 ≡ (r1/4)·5 (mod 2^130 − 5) and the wrapped
/// products take the precomputed s1 = r1 + r1/4 = 5·r1/4. Per 16-byte block: h += m, then h·r as four 64 × 64 → 128-bit
/// products plus two small ones, then a partial reduction that folds the bits above 2^130 back in times 5. The final
/// full reduction (h mod p, p = 2^130 − 5) selects h or h − p with a mask, without branches.</para>
/// <para>A value on the stack: <see cref="Clear"/> zeroes r, s and h through memory the JIT cannot elide.</para>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
internal struct Poly1305
{
    /// <summary>Bytes in the one-time key (r then s).</summary>
    public const int KeySize = 32;

    /// <summary>Bytes in a tag.</summary>
    public const int TagSize = 16;

    /// <summary>Bytes in a block.</summary>
    public const int BlockSize = 16;

    private ulong _r0;
    private ulong _r1;
    private ulong _s1;
    private ulong _h0;
    private ulong _h1;
    private ulong _h2;
    private ulong _pad0;
    private ulong _pad1;

    /// <summary>Starts a MAC under the 32-byte one-time key r || s.</summary>
    public Poly1305(ReadOnlySpan<byte> key)
    {
        // Section 2.5: r &= 0x0ffffffc0ffffffc0ffffffc0fffffff (little-endian); s is the second half.
        _r0 = BinaryPrimitives.ReadUInt64LittleEndian(key) & 0x0FFFFFFC0FFFFFFFUL;
        _r1 = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]) & 0x0FFFFFFC0FFFFFFCUL;
        _s1 = _r1 + (_r1 >> 2);
        _pad0 = BinaryPrimitives.ReadUInt64LittleEndian(key[16..]);
        _pad1 = BinaryPrimitives.ReadUInt64LittleEndian(key[24..]);
        _h0 = 0;
        _h1 = 0;
        _h2 = 0;
    }

    /// <summary>
    /// One-shot Poly1305 of <paramref name="message"/> under <paramref name="key"/> (section 2.5), the last block
    /// padded with 0x01 and zeros as the section describes for messages not a multiple of 16 bytes.
    /// </summary>
    public static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message, Span<byte> tag)
    {
        var mac = new Poly1305(key);
        int full = message.Length & ~(BlockSize - 1);
        mac.Update(message[..full]);
        int rest = message.Length - full;
        if (rest > 0)
        {
            Span<byte> last = stackalloc byte[BlockSize];
            last.Clear();
            message[full..].CopyTo(last);
            last[rest] = 1;
            Blocks(ref mac, ref MemoryMarshal.GetReference(last), 1, 0);
        }

        mac.Finish(tag);
        mac.Clear();
    }

    /// <summary>Absorbs <paramref name="data"/>, whose length must be a multiple of 16, as full blocks.</summary>
    public void Update(ReadOnlySpan<byte> data)
    {
        if (data.Length >= BlockSize)
        {
            Blocks(ref this, ref MemoryMarshal.GetReference(data), (nuint)(data.Length / BlockSize), 1);
        }
    }

    /// <summary>
    /// Absorbs <paramref name="data"/> followed by zeros up to a multiple of 16 bytes: the pad16 of the AEAD
    /// construction (section 2.8), where every block, padded or not, counts as a full one.
    /// </summary>
    public void UpdatePadded(ReadOnlySpan<byte> data)
    {
        int full = data.Length & ~(BlockSize - 1);
        Update(data[..full]);
        int rest = data.Length - full;
        if (rest > 0)
        {
            Span<byte> last = stackalloc byte[BlockSize];
            last.Clear();
            data[full..].CopyTo(last);
            Blocks(ref this, ref MemoryMarshal.GetReference(last), 1, 1);
        }
    }

    /// <summary>Writes the 16-byte tag: (h mod p) + s, modulo 2^128.</summary>
    public readonly void Finish(Span<byte> tag)
    {
        ulong h0 = _h0, h1 = _h1, h2 = _h2;

        // After the partial reductions h < 5·2^128 < 2p, so one conditional subtraction of p reduces it fully:
        // g = h + 5 reaches 2^130 exactly when h ≥ p, and then h − p is g's low 130 bits.
        ulong g0 = h0 + 5;
        ulong c = g0 < 5 ? 1UL : 0UL;
        ulong g1 = h1 + c;
        c = g1 < c ? 1UL : 0UL;
        ulong g2 = h2 + c;
        ulong mask = 0UL - (g2 >> 2);
        h0 = (h0 & ~mask) | (g0 & mask);
        h1 = (h1 & ~mask) | (g1 & mask);

        // tag = (h + s) mod 2^128, little-endian.
        ulong t0 = h0 + _pad0;
        c = t0 < h0 ? 1UL : 0UL;
        ulong t1 = h1 + _pad1 + c;
        BinaryPrimitives.WriteUInt64LittleEndian(tag, t0);
        BinaryPrimitives.WriteUInt64LittleEndian(tag[8..], t1);
    }

    /// <summary>Zeroes the key and the accumulator.</summary>
    public void Clear() => CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref this, 1)));

    /// <summary>The key half r (clamped) and s1 = 5·r1/4, for a caller that runs <see cref="Absorb"/> itself.</summary>
    internal readonly void GetKey(out ulong r0, out ulong r1, out ulong s1)
    {
        r0 = _r0;
        r1 = _r1;
        s1 = _s1;
    }

    /// <summary>The accumulator, for a caller that runs <see cref="Absorb"/> itself.</summary>
    internal readonly void GetAccumulator(out ulong h0, out ulong h1, out ulong h2)
    {
        h0 = _h0;
        h1 = _h1;
        h2 = _h2;
    }

    /// <summary>Stores the accumulator back after <see cref="Absorb"/> ran on it.</summary>
    internal void SetAccumulator(ulong h0, ulong h1, ulong h2)
    {
        _h0 = h0;
        _h1 = h1;
        _h2 = h2;
    }

    /// <summary>
    /// One block: h = (h + m + hibit·2^128)·r, partially reduced. Inlined into every loop that absorbs blocks, so the
    /// accumulator stays in registers (<see cref="ChaCha20X8"/> interleaves it with the ChaCha20 rounds).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Absorb(ref ulong h0, ref ulong h1, ref ulong h2, ulong r0, ulong r1, ulong s1, ref byte block, ulong hibit)
    {
        ulong m0 = BinaryPrimitives.ReadUInt64LittleEndian(MemoryMarshal.CreateReadOnlySpan(ref block, 8));
        ulong m1 = BinaryPrimitives.ReadUInt64LittleEndian(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref block, 8), 8));

        // h += m, with the 2^128 bit that marks a full block.
        h0 += m0;
        ulong c = h0 < m0 ? 1UL : 0UL;
        h1 += c;
        ulong c1 = h1 < c ? 1UL : 0UL;
        h1 += m1;
        c1 += h1 < m1 ? 1UL : 0UL;
        h2 += c1 + hibit;

        // d = h·r, where terms at 2^128 and above wrap to 5/4 of their r1 factor:
        //   d0 = h0·r0 + h1·s1
        //   d1 = h0·r1 + h1·r0 + h2·s1
        //   d2 = h2·r0
        // h2 stays below 8 and r0, s1 below 2^61, so the small products fit in 64 bits and no sum overflows 128.
        ulong d0Hi = MultiplyHigh(h0, r0, out ulong d0Lo);
        ulong tHi = MultiplyHigh(h1, s1, out ulong tLo);
        d0Lo += tLo;
        d0Hi += tHi + (d0Lo < tLo ? 1UL : 0UL);

        ulong d1Hi = MultiplyHigh(h0, r1, out ulong d1Lo);
        tHi = MultiplyHigh(h1, r0, out tLo);
        d1Lo += tLo;
        d1Hi += tHi + (d1Lo < tLo ? 1UL : 0UL);
        tLo = h2 * s1;
        d1Lo += tLo;
        d1Hi += d1Lo < tLo ? 1UL : 0UL;

        ulong d2 = h2 * r0;

        // Carry d0 → d1 → d2.
        h0 = d0Lo;
        d1Lo += d0Hi;
        d1Hi += d1Lo < d0Hi ? 1UL : 0UL;
        h1 = d1Lo;
        d2 += d1Hi;

        // Partial reduction: the bits of d2 at 2^130 and above, times 5, go back into h0.
        h2 = d2 & 3;
        c = (d2 & ~3UL) + (d2 >> 2);
        h0 += c;
        c = h0 < c ? 1UL : 0UL;
        h1 += c;
        h2 += h1 < c ? 1UL : 0UL;
    }

    /// <summary>
    /// <see cref="Absorb"/> for each of <paramref name="count"/> blocks at <paramref name="data"/>, with the state in
    /// registers for the whole run.
    /// </summary>
    private static void Blocks(ref Poly1305 state, ref byte data, nuint count, ulong hibit)
    {
        ulong r0 = state._r0, r1 = state._r1, s1 = state._s1;
        ulong h0 = state._h0, h1 = state._h1, h2 = state._h2;
        for (nuint i = 0; i < count; i++)
        {
            Absorb(ref h0, ref h1, ref h2, r0, r1, s1, ref Unsafe.Add(ref data, i * BlockSize), hibit);
        }

        state._h0 = h0;
        state._h1 = h1;
        state._h2 = h2;
    }

    /// <summary>
    /// The 128-bit product of <paramref name="a"/> and <paramref name="b"/>. Where BMI2 exists the high half comes from
    /// MULX and the low half from IMUL, both in registers: <see cref="Math.BigMul(ulong, ulong, out ulong)"/> passes the
    /// low half through memory, which puts a store-to-load forwarding delay on the serial chain of the accumulator.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MultiplyHigh(ulong a, ulong b, out ulong low)
    {
        if (Bmi2.X64.IsSupported)
        {
            low = a * b;
            return Bmi2.X64.MultiplyNoFlags(a, b);
        }

        return Math.BigMul(a, b, out low);
    }
}
