using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Security.Cryptography;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;

namespace IpsecFw.Esp.Crypto;

/// <summary>
/// AES-GCM (NIST SP 800-38D) with 128-, 192- or 256-bit keys on AES-NI and PCLMULQDQ, for 96-bit nonces only.
/// </summary>
/// <remarks>
/// <para>Counter mode runs eight blocks in flight, so the AES units stay busy while each round's latency passes.
/// GHASH works in the byte-reflected domain (Gueron and Kounavis, "Intel Carry-Less Multiplication Instruction and its
/// Usage for Computing the GCM Mode", rev. 2.02): the hash key is stored pre-multiplied by x so the product of two
/// reflected operands needs no one-bit shift, and eight blocks are folded per reduction with the precomputed powers
/// H^1..H^8. Where the CPU has VPCLMULQDQ, two blocks share each 256-bit carry-less multiply.</para>
/// <para>The key schedule and hash-key powers live inside this object and are zeroed by <see cref="Aead.Dispose()"/>.
/// Not safe for concurrent use of one instance from several threads only because of that disposal; Seal and Open
/// themselves keep no state between calls and may run concurrently.</para>
/// </remarks>
public sealed class AesNiGcm : Aead
{
    private const int BlockSize = 16;
    private const int Stride = 8 * BlockSize;
    private const int MaxRounds = 14;

    /// <summary>
    /// The GHASH width, fixed per process: IsSupported is a JIT-time constant, so the untaken path is not even
    /// compiled, in every tier (a static readonly bool is only folded at tier 1, and Crypt, with loops and stackalloc,
    /// is compiled once with full optimisation and never re-jitted).
    /// </summary>
    private static bool WideGhash
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Pclmulqdq.V256.IsSupported && Avx2.IsSupported;
    }

    private readonly int _rounds;
    private RoundKeys _roundKeys;
    private HashKeyPowers _powers;   // _powers[i] = H^(i+1)·x, reflected
    private HashKeyPairs _pairs;     // (H^8,H^7), (H^6,H^5), (H^4,H^3), (H^2,H^1) for the 256-bit path

    /// <summary>True where this CPU has the instructions this implementation needs.</summary>
    public static bool IsSupported => X86Aes.IsSupported && Pclmulqdq.IsSupported && Sse41.IsSupported && Ssse3.IsSupported;

    /// <summary>Creates the cipher from a 16-, 24- or 32-byte AES key.</summary>
    /// <exception cref="PlatformNotSupportedException">The CPU lacks AES-NI or PCLMULQDQ.</exception>
    /// <exception cref="ArgumentException">The key is not 16, 24 or 32 bytes.</exception>
    public AesNiGcm(ReadOnlySpan<byte> key)
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException("AES-NI and PCLMULQDQ are required.");
        }

        _rounds = key.Length switch
        {
            16 => 10,
            24 => 12,
            32 => 14,
            _ => throw new ArgumentException("AES-GCM keys are 16, 24 or 32 bytes.", nameof(key)),
        };
        KeySizeBytes = key.Length;
        ExpandKey(key);
        InitHashKey();
    }

    /// <summary>The AES key length in bytes (16, 24 or 32).</summary>
    public int KeySizeBytes { get; }

    /// <inheritdoc />
    public override string Name => $"AES-GCM-{KeySizeBytes * 8} (AES-NI)";

    /// <inheritdoc />
    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        CheckArguments(nonce, tag.Length);
        Crypt(nonce, aad, data, encrypt: true, out Vector128<byte> fullTag);
        Span<byte> t = stackalloc byte[BlockSize];
        fullTag.CopyTo(t);
        t[..tag.Length].CopyTo(tag);
    }

    /// <inheritdoc />
    public override bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        if (IsDisposed || nonce.Length != NonceSize || tag.Length < 4 || tag.Length > BlockSize)
        {
            data.Clear();
            return false;
        }

        Crypt(nonce, aad, data, encrypt: false, out Vector128<byte> fullTag);
        Span<byte> t = stackalloc byte[BlockSize];
        fullTag.CopyTo(t);
        if (CryptographicOperations.FixedTimeEquals(t[..tag.Length], tag))
        {
            return true;
        }

        CryptographicOperations.ZeroMemory(data);
        return false;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref _roundKeys[0], MaxRounds + 1)));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref _powers[0], HashKeyPowers.Count)));
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref _pairs[0], 4)));
    }

    /// <inheritdoc />
    internal override bool KeyMaterialIsZeroed() =>
        !MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref _roundKeys[0], MaxRounds + 1)).ContainsAnyExcept((byte)0)
        && !MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref _powers[0], HashKeyPowers.Count)).ContainsAnyExcept((byte)0)
        && !MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref _pairs[0], 4)).ContainsAnyExcept((byte)0);

    private static void CheckArguments(ReadOnlySpan<byte> nonce, int tagLength)
    {
        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException("The nonce must be 12 bytes.", nameof(nonce));
        }

        if (tagLength < 4 || tagLength > BlockSize)
        {
            throw new ArgumentException("The tag must be 4 to 16 bytes.", nameof(tagLength));
        }
    }

    // ---------------------------------------------------------------- AES

    // FIPS 197 5.2 key expansion, word by word for Nk = 4, 6 or 8, with SubWord from AESKEYGENASSIST. This runs once per
    // SA, so clarity wins over the unrolled forms of the Intel AES-NI white paper.
    private void ExpandKey(ReadOnlySpan<byte> key)
    {
        int nk = key.Length / 4;
        int total = 4 * (_rounds + 1);
        Span<uint> w = stackalloc uint[4 * (MaxRounds + 1)];
        for (int i = 0; i < nk; i++)
        {
            w[i] = BinaryPrimitives.ReadUInt32LittleEndian(key[(4 * i)..]);
        }

        uint rcon = 1;
        for (int i = nk; i < total; i++)
        {
            uint temp = w[i - 1];
            if (i % nk == 0)
            {
                temp = SubRotWord(temp) ^ rcon;
                rcon = (rcon << 1) ^ ((rcon >> 7) * 0x11B);
            }
            else if (nk > 6 && i % nk == 4)
            {
                temp = SubWord(temp);
            }

            w[i] = w[i - nk] ^ temp;
        }

        for (int r = 0; r <= _rounds; r++)
        {
            _roundKeys[r] = Vector128.Create(w[4 * r], w[4 * r + 1], w[4 * r + 2], w[4 * r + 3]).AsByte();
        }

        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(w));
    }

    // AESKEYGENASSIST puts SubWord(X1) in dword 0 and RotWord(SubWord(X1)) xor rcon in dword 1.
    private static uint SubWord(uint word) => X86Aes.KeygenAssist(Vector128.CreateScalar(0u).WithElement(1, word).AsByte(), 0).AsUInt32().ToScalar();

    private static uint SubRotWord(uint word) => X86Aes.KeygenAssist(Vector128.CreateScalar(0u).WithElement(1, word).AsByte(), 0).AsUInt32().GetElement(1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector128<byte> EncryptBlock(Vector128<byte> block)
    {
        ref Vector128<byte> rk = ref _roundKeys[0];
        block ^= rk;
        int last = _rounds;
        for (int r = 1; r < last; r++)
        {
            block = X86Aes.Encrypt(block, Unsafe.Add(ref rk, r));
        }

        return X86Aes.EncryptLast(block, Unsafe.Add(ref rk, last));
    }

    // ---------------------------------------------------------------- GHASH

    // Constants as inlined properties: a call here would make the JIT spill every AES block around it.
    private static Vector128<byte> ByteSwapMask
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128.Create((byte)15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    }

    // The GCM polynomial in the reflected domain: x^128 + x^127 + x^126 + x^121 + 1.
    private static Vector128<ulong> Poly
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector128.Create(1UL, 0xC200000000000000UL);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Reflect(Vector128<byte> v) => Ssse3.Shuffle(v, ByteSwapMask);

    private void InitHashKey()
    {
        // H = E_K(0^128), reflected, then multiplied by x so that reflected products need no shift.
        Vector128<uint> h = Reflect(EncryptBlock(Vector128<byte>.Zero)).AsUInt32();
        Vector128<uint> carry = Sse2.ShiftRightArithmetic(Sse2.Shuffle(h.AsInt32(), 0xFF), 31).AsUInt32() & Poly.AsUInt32();
        Vector128<uint> spill = Sse2.ShiftLeftLogical128BitLane(Sse2.ShiftRightLogical(h, 31), 4);
        Vector128<ulong> h1 = (Sse2.ShiftLeftLogical(h, 1) ^ carry ^ spill).AsUInt64();

        ref Vector128<ulong> p = ref _powers[0];
        p = h1;
        for (int i = 1; i < HashKeyPowers.Count; i++)
        {
            Unsafe.Add(ref p, i) = Multiply(Unsafe.Add(ref p, i - 1), h1);
        }

        for (int i = 0; i < 4; i++)
        {
            // Pair i covers blocks 2i and 2i+1 of an eight-block stride: H^(8-2i) and H^(7-2i).
            _pairs[i] = Vector256.Create(Unsafe.Add(ref p, 7 - 2 * i), Unsafe.Add(ref p, 6 - 2 * i));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Multiply(Vector128<ulong> a, Vector128<ulong> b)
    {
        Vector128<ulong> lo = Pclmulqdq.CarrylessMultiply(a, b, 0x00);
        Vector128<ulong> hi = Pclmulqdq.CarrylessMultiply(a, b, 0x11);
        Vector128<ulong> mid = Pclmulqdq.CarrylessMultiply(a, b, 0x01) ^ Pclmulqdq.CarrylessMultiply(a, b, 0x10);
        return Reduce(lo, hi, mid);
    }

    /// <summary>Folds the 256-bit product (lo, hi, with the middle terms in mid) back into 128 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Reduce(Vector128<ulong> lo, Vector128<ulong> hi, Vector128<ulong> mid)
    {
        lo ^= Sse2.ShiftLeftLogical128BitLane(mid, 8);
        hi ^= Sse2.ShiftRightLogical128BitLane(mid, 8);
        Vector128<ulong> poly = Poly;
        Vector128<ulong> t = Pclmulqdq.CarrylessMultiply(lo, poly, 0x10);
        lo = Sse2.Shuffle(lo.AsUInt32(), 0x4E).AsUInt64() ^ t;
        t = Pclmulqdq.CarrylessMultiply(lo, poly, 0x10);
        lo = Sse2.Shuffle(lo.AsUInt32(), 0x4E).AsUInt64() ^ t;
        return lo ^ hi;
    }

    /// <summary>
    /// acc = (acc ⊕ b0)·H^n ⊕ b1·H^(n-1) ⊕ … ⊕ b(n-1)·H for 1 ≤ n ≤ 16 full blocks at <paramref name="blocks"/>,
    /// with one reduction.
    /// </summary>
    private Vector128<ulong> GhashBlocks(Vector128<ulong> acc, ref byte blocks, int n)
    {
        ref Vector128<ulong> p = ref _powers[0];
        Vector128<ulong> lo = Vector128<ulong>.Zero, hi = Vector128<ulong>.Zero, mid = Vector128<ulong>.Zero;
        for (int i = 0; i < n; i++)
        {
            Vector128<ulong> x = Reflect(Vector128.LoadUnsafe(ref blocks, (nuint)(i * BlockSize))).AsUInt64();
            if (i == 0)
            {
                x ^= acc;
            }

            Vector128<ulong> h = Unsafe.Add(ref p, n - 1 - i);
            lo ^= Pclmulqdq.CarrylessMultiply(x, h, 0x00);
            hi ^= Pclmulqdq.CarrylessMultiply(x, h, 0x11);
            mid ^= Pclmulqdq.CarrylessMultiply(x, h, 0x01) ^ Pclmulqdq.CarrylessMultiply(x, h, 0x10);
        }

        return Reduce(lo, hi, mid);
    }

    /// <summary>GHASH of one eight-block stride with one reduction; two blocks per multiply where VPCLMULQDQ exists.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector128<ulong> GhashStride(Vector128<ulong> acc, ref byte blocks)
    {
        if (!WideGhash)
        {
            return GhashBlocks(acc, ref blocks, 8);
        }

        Vector256<byte> mask = Vector256.Create(ByteSwapMask, ByteSwapMask);
        ref Vector256<ulong> pairs = ref _pairs[0];

        Vector256<ulong> x = Avx2.Shuffle(Vector256.LoadUnsafe(ref blocks), mask).AsUInt64() ^ Vector256.Create(acc, Vector128<ulong>.Zero);
        Vector256<ulong> h = pairs;
        Vector256<ulong> lo = Pclmulqdq.V256.CarrylessMultiply(x, h, 0x00);
        Vector256<ulong> hi = Pclmulqdq.V256.CarrylessMultiply(x, h, 0x11);
        Vector256<ulong> mid = Pclmulqdq.V256.CarrylessMultiply(x, h, 0x01) ^ Pclmulqdq.V256.CarrylessMultiply(x, h, 0x10);

        x = Avx2.Shuffle(Vector256.LoadUnsafe(ref blocks, 32), mask).AsUInt64();
        h = Unsafe.Add(ref pairs, 1);
        lo ^= Pclmulqdq.V256.CarrylessMultiply(x, h, 0x00);
        hi ^= Pclmulqdq.V256.CarrylessMultiply(x, h, 0x11);
        mid ^= Pclmulqdq.V256.CarrylessMultiply(x, h, 0x01) ^ Pclmulqdq.V256.CarrylessMultiply(x, h, 0x10);

        x = Avx2.Shuffle(Vector256.LoadUnsafe(ref blocks, 64), mask).AsUInt64();
        h = Unsafe.Add(ref pairs, 2);
        lo ^= Pclmulqdq.V256.CarrylessMultiply(x, h, 0x00);
        hi ^= Pclmulqdq.V256.CarrylessMultiply(x, h, 0x11);
        mid ^= Pclmulqdq.V256.CarrylessMultiply(x, h, 0x01) ^ Pclmulqdq.V256.CarrylessMultiply(x, h, 0x10);

        x = Avx2.Shuffle(Vector256.LoadUnsafe(ref blocks, 96), mask).AsUInt64();
        h = Unsafe.Add(ref pairs, 3);
        lo ^= Pclmulqdq.V256.CarrylessMultiply(x, h, 0x00);
        hi ^= Pclmulqdq.V256.CarrylessMultiply(x, h, 0x11);
        mid ^= Pclmulqdq.V256.CarrylessMultiply(x, h, 0x01) ^ Pclmulqdq.V256.CarrylessMultiply(x, h, 0x10);

        return Reduce(lo.GetLower() ^ lo.GetUpper(), hi.GetLower() ^ hi.GetUpper(), mid.GetLower() ^ mid.GetUpper());
    }

    /// <summary>GHASH over <paramref name="data"/>, zero-padded to whole blocks (the AAD, or a short tail).</summary>
    private Vector128<ulong> GhashPadded(Vector128<ulong> acc, ReadOnlySpan<byte> data)
    {
        ref byte d = ref MemoryMarshal.GetReference(data);
        int full = data.Length / BlockSize;
        int done = 0;
        while (full - done >= HashKeyPowers.Count)
        {
            acc = GhashBlocks(acc, ref Unsafe.Add(ref d, done * BlockSize), HashKeyPowers.Count);
            done += HashKeyPowers.Count;
        }

        int rest = data.Length - done * BlockSize;
        if (rest == 0)
        {
            return acc;
        }

        Span<byte> tail = stackalloc byte[HashKeyPowers.Count * BlockSize];
        int tailBlocks = (rest + BlockSize - 1) / BlockSize;
        tail[..(tailBlocks * BlockSize)].Clear();
        data[(done * BlockSize)..].CopyTo(tail);
        return GhashBlocks(acc, ref MemoryMarshal.GetReference(tail), tailBlocks);
    }

    // ---------------------------------------------------------------- GCM

    private void Crypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, bool encrypt, out Vector128<byte> tag)
    {
        // J0 = IV || 0^31 || 1 for a 96-bit IV (SP 800-38D 7.1 step 2); data counters start at inc32(J0).
        Span<byte> j = stackalloc byte[BlockSize];
        nonce.CopyTo(j);
        BinaryPrimitives.WriteUInt32BigEndian(j[12..], 1);
        Vector128<byte> j0 = Vector128.Create((ReadOnlySpan<byte>)j);
        Vector128<uint> counterBase = j0.AsUInt32();
        uint counter = 2;

        Vector128<ulong> acc = aad.IsEmpty ? Vector128<ulong>.Zero : GhashPadded(Vector128<ulong>.Zero, aad);

        ref byte d = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        int offset = 0;
        ref Vector128<byte> rk = ref _roundKeys[0];
        int last = _rounds;

        if (WideGhash)
        {
            int strides = length / Stride;
            acc = StitchedStrides(ref d, strides, counterBase, counter, acc, encrypt);
            counter += (uint)(strides * 8);
            offset = strides * Stride;
        }

        while (length - offset >= Stride)
        {
            ref byte chunk = ref Unsafe.Add(ref d, offset);
            if (!encrypt)
            {
                acc = GhashStride(acc, ref chunk);
            }

            Vector128<byte> k = rk;
            Vector128<byte> b0 = Counter(counterBase, counter) ^ k;
            Vector128<byte> b1 = Counter(counterBase, counter + 1) ^ k;
            Vector128<byte> b2 = Counter(counterBase, counter + 2) ^ k;
            Vector128<byte> b3 = Counter(counterBase, counter + 3) ^ k;
            Vector128<byte> b4 = Counter(counterBase, counter + 4) ^ k;
            Vector128<byte> b5 = Counter(counterBase, counter + 5) ^ k;
            Vector128<byte> b6 = Counter(counterBase, counter + 6) ^ k;
            Vector128<byte> b7 = Counter(counterBase, counter + 7) ^ k;
            counter += 8;
            for (int r = 1; r < last; r++)
            {
                k = Unsafe.Add(ref rk, r);
                b0 = X86Aes.Encrypt(b0, k);
                b1 = X86Aes.Encrypt(b1, k);
                b2 = X86Aes.Encrypt(b2, k);
                b3 = X86Aes.Encrypt(b3, k);
                b4 = X86Aes.Encrypt(b4, k);
                b5 = X86Aes.Encrypt(b5, k);
                b6 = X86Aes.Encrypt(b6, k);
                b7 = X86Aes.Encrypt(b7, k);
            }

            k = Unsafe.Add(ref rk, last);
            (X86Aes.EncryptLast(b0, k) ^ Vector128.LoadUnsafe(ref chunk, 0)).StoreUnsafe(ref chunk, 0);
            (X86Aes.EncryptLast(b1, k) ^ Vector128.LoadUnsafe(ref chunk, 16)).StoreUnsafe(ref chunk, 16);
            (X86Aes.EncryptLast(b2, k) ^ Vector128.LoadUnsafe(ref chunk, 32)).StoreUnsafe(ref chunk, 32);
            (X86Aes.EncryptLast(b3, k) ^ Vector128.LoadUnsafe(ref chunk, 48)).StoreUnsafe(ref chunk, 48);
            (X86Aes.EncryptLast(b4, k) ^ Vector128.LoadUnsafe(ref chunk, 64)).StoreUnsafe(ref chunk, 64);
            (X86Aes.EncryptLast(b5, k) ^ Vector128.LoadUnsafe(ref chunk, 80)).StoreUnsafe(ref chunk, 80);
            (X86Aes.EncryptLast(b6, k) ^ Vector128.LoadUnsafe(ref chunk, 96)).StoreUnsafe(ref chunk, 96);
            (X86Aes.EncryptLast(b7, k) ^ Vector128.LoadUnsafe(ref chunk, 112)).StoreUnsafe(ref chunk, 112);

            if (encrypt)
            {
                acc = GhashStride(acc, ref chunk);
            }

            offset += Stride;
        }

        // The tail (fewer than eight blocks) and E_K(J0) for the tag go through AES together, up to eight at once.
        int rest = length - offset;
        Span<byte> stream = stackalloc byte[Stride + BlockSize];
        int tailBlocks = (rest + BlockSize - 1) / BlockSize;
        Keystream(counterBase, counter, tailBlocks, j0, stream);
        Vector128<byte> ekj0 = Vector128.LoadUnsafe(ref stream[0], (nuint)(tailBlocks * BlockSize));

        // Tail blocks and the length block are hashed together with one reduction.
        Span<byte> hashIn = stackalloc byte[Stride + BlockSize];
        hashIn[..((tailBlocks + 1) * BlockSize)].Clear();
        Span<byte> tailData = data.Slice(offset, rest);
        if (!encrypt)
        {
            tailData.CopyTo(hashIn);
        }

        int pos = 0;
        for (; pos + BlockSize <= rest; pos += BlockSize)
        {
            ref byte t = ref Unsafe.Add(ref MemoryMarshal.GetReference(tailData), pos);
            (Vector128.LoadUnsafe(ref t) ^ Vector128.LoadUnsafe(ref stream[pos])).StoreUnsafe(ref t);
        }

        for (; pos < rest; pos++)
        {
            tailData[pos] ^= stream[pos];
        }

        if (encrypt)
        {
            tailData.CopyTo(hashIn);
        }

        // len(A) || len(C) in bits, as two big-endian 64-bit integers (SP 800-38D 7.1 step 5).
        Span<byte> lengths = hashIn.Slice(tailBlocks * BlockSize, BlockSize);
        BinaryPrimitives.WriteUInt64BigEndian(lengths, (ulong)aad.Length * 8);
        BinaryPrimitives.WriteUInt64BigEndian(lengths[8..], (ulong)length * 8);
        acc = GhashBlocks(acc, ref MemoryMarshal.GetReference(hashIn), tailBlocks + 1);

        tag = Reflect(acc.AsByte()) ^ ekj0;
    }

    /// <summary>
    /// Counter mode over whole eight-block strides with GHASH stitched into the AES rounds (two blocks per 256-bit
    /// carry-less multiply, one per round, so the multiplier and the AES units work at the same time). Encryption hashes
    /// the ciphertext of the previous stride while it encrypts the current one; decryption hashes the stride it decrypts.
    /// </summary>
    private Vector128<ulong> StitchedStrides(ref byte d, int strides, Vector128<uint> counterBase, uint counter, Vector128<ulong> acc, bool encrypt)
    {
        ref Vector128<byte> rk = ref _roundKeys[0];
        int last = _rounds;
        Vector256<byte> mask = Vector256.Create(ByteSwapMask, ByteSwapMask);
        Vector256<ulong> p0 = _pairs[0], p1 = _pairs[1], p2 = _pairs[2], p3 = _pairs[3];

        for (int s = 0; s < strides; s++)
        {
            ref byte chunk = ref Unsafe.Add(ref d, s * Stride);
            Vector128<byte> k = rk;
            Vector128<byte> b0 = Counter(counterBase, counter) ^ k;
            Vector128<byte> b1 = Counter(counterBase, counter + 1) ^ k;
            Vector128<byte> b2 = Counter(counterBase, counter + 2) ^ k;
            Vector128<byte> b3 = Counter(counterBase, counter + 3) ^ k;
            Vector128<byte> b4 = Counter(counterBase, counter + 4) ^ k;
            Vector128<byte> b5 = Counter(counterBase, counter + 5) ^ k;
            Vector128<byte> b6 = Counter(counterBase, counter + 6) ^ k;
            Vector128<byte> b7 = Counter(counterBase, counter + 7) ^ k;
            counter += 8;

            int r = 1;
            if (!encrypt || s > 0)
            {
                ref byte h = ref encrypt ? ref Unsafe.Add(ref chunk, -Stride) : ref chunk;

                k = Unsafe.Add(ref rk, 1);
                Vector256<ulong> x = Avx2.Shuffle(Vector256.LoadUnsafe(ref h), mask).AsUInt64() ^ Vector256.Create(acc, Vector128<ulong>.Zero);
                b0 = X86Aes.Encrypt(b0, k);
                b1 = X86Aes.Encrypt(b1, k);
                Vector256<ulong> lo = Pclmulqdq.V256.CarrylessMultiply(x, p0, 0x00);
                b2 = X86Aes.Encrypt(b2, k);
                b3 = X86Aes.Encrypt(b3, k);
                Vector256<ulong> hi = Pclmulqdq.V256.CarrylessMultiply(x, p0, 0x11);
                b4 = X86Aes.Encrypt(b4, k);
                b5 = X86Aes.Encrypt(b5, k);
                Vector256<ulong> mid = Pclmulqdq.V256.CarrylessMultiply(x, p0, 0x01);
                b6 = X86Aes.Encrypt(b6, k);
                b7 = X86Aes.Encrypt(b7, k);
                mid ^= Pclmulqdq.V256.CarrylessMultiply(x, p0, 0x10);

                k = Unsafe.Add(ref rk, 2);
                x = Avx2.Shuffle(Vector256.LoadUnsafe(ref h, 32), mask).AsUInt64();
                b0 = X86Aes.Encrypt(b0, k);
                b1 = X86Aes.Encrypt(b1, k);
                lo ^= Pclmulqdq.V256.CarrylessMultiply(x, p1, 0x00);
                b2 = X86Aes.Encrypt(b2, k);
                b3 = X86Aes.Encrypt(b3, k);
                hi ^= Pclmulqdq.V256.CarrylessMultiply(x, p1, 0x11);
                b4 = X86Aes.Encrypt(b4, k);
                b5 = X86Aes.Encrypt(b5, k);
                mid ^= Pclmulqdq.V256.CarrylessMultiply(x, p1, 0x01);
                b6 = X86Aes.Encrypt(b6, k);
                b7 = X86Aes.Encrypt(b7, k);
                mid ^= Pclmulqdq.V256.CarrylessMultiply(x, p1, 0x10);

                k = Unsafe.Add(ref rk, 3);
                x = Avx2.Shuffle(Vector256.LoadUnsafe(ref h, 64), mask).AsUInt64();
                b0 = X86Aes.Encrypt(b0, k);
                b1 = X86Aes.Encrypt(b1, k);
                lo ^= Pclmulqdq.V256.CarrylessMultiply(x, p2, 0x00);
                b2 = X86Aes.Encrypt(b2, k);
                b3 = X86Aes.Encrypt(b3, k);
                hi ^= Pclmulqdq.V256.CarrylessMultiply(x, p2, 0x11);
                b4 = X86Aes.Encrypt(b4, k);
                b5 = X86Aes.Encrypt(b5, k);
                mid ^= Pclmulqdq.V256.CarrylessMultiply(x, p2, 0x01);
                b6 = X86Aes.Encrypt(b6, k);
                b7 = X86Aes.Encrypt(b7, k);
                mid ^= Pclmulqdq.V256.CarrylessMultiply(x, p2, 0x10);

                k = Unsafe.Add(ref rk, 4);
                x = Avx2.Shuffle(Vector256.LoadUnsafe(ref h, 96), mask).AsUInt64();
                b0 = X86Aes.Encrypt(b0, k);
                b1 = X86Aes.Encrypt(b1, k);
                lo ^= Pclmulqdq.V256.CarrylessMultiply(x, p3, 0x00);
                b2 = X86Aes.Encrypt(b2, k);
                b3 = X86Aes.Encrypt(b3, k);
                hi ^= Pclmulqdq.V256.CarrylessMultiply(x, p3, 0x11);
                b4 = X86Aes.Encrypt(b4, k);
                b5 = X86Aes.Encrypt(b5, k);
                mid ^= Pclmulqdq.V256.CarrylessMultiply(x, p3, 0x01);
                b6 = X86Aes.Encrypt(b6, k);
                b7 = X86Aes.Encrypt(b7, k);
                mid ^= Pclmulqdq.V256.CarrylessMultiply(x, p3, 0x10);

                k = Unsafe.Add(ref rk, 5);
                b0 = X86Aes.Encrypt(b0, k);
                b1 = X86Aes.Encrypt(b1, k);
                b2 = X86Aes.Encrypt(b2, k);
                b3 = X86Aes.Encrypt(b3, k);
                acc = Reduce(lo.GetLower() ^ lo.GetUpper(), hi.GetLower() ^ hi.GetUpper(), mid.GetLower() ^ mid.GetUpper());
                b4 = X86Aes.Encrypt(b4, k);
                b5 = X86Aes.Encrypt(b5, k);
                b6 = X86Aes.Encrypt(b6, k);
                b7 = X86Aes.Encrypt(b7, k);
                r = 6;
            }

            for (; r < last; r++)
            {
                k = Unsafe.Add(ref rk, r);
                b0 = X86Aes.Encrypt(b0, k);
                b1 = X86Aes.Encrypt(b1, k);
                b2 = X86Aes.Encrypt(b2, k);
                b3 = X86Aes.Encrypt(b3, k);
                b4 = X86Aes.Encrypt(b4, k);
                b5 = X86Aes.Encrypt(b5, k);
                b6 = X86Aes.Encrypt(b6, k);
                b7 = X86Aes.Encrypt(b7, k);
            }

            k = Unsafe.Add(ref rk, last);
            (X86Aes.EncryptLast(b0, k) ^ Vector128.LoadUnsafe(ref chunk, 0)).StoreUnsafe(ref chunk, 0);
            (X86Aes.EncryptLast(b1, k) ^ Vector128.LoadUnsafe(ref chunk, 16)).StoreUnsafe(ref chunk, 16);
            (X86Aes.EncryptLast(b2, k) ^ Vector128.LoadUnsafe(ref chunk, 32)).StoreUnsafe(ref chunk, 32);
            (X86Aes.EncryptLast(b3, k) ^ Vector128.LoadUnsafe(ref chunk, 48)).StoreUnsafe(ref chunk, 48);
            (X86Aes.EncryptLast(b4, k) ^ Vector128.LoadUnsafe(ref chunk, 64)).StoreUnsafe(ref chunk, 64);
            (X86Aes.EncryptLast(b5, k) ^ Vector128.LoadUnsafe(ref chunk, 80)).StoreUnsafe(ref chunk, 80);
            (X86Aes.EncryptLast(b6, k) ^ Vector128.LoadUnsafe(ref chunk, 96)).StoreUnsafe(ref chunk, 96);
            (X86Aes.EncryptLast(b7, k) ^ Vector128.LoadUnsafe(ref chunk, 112)).StoreUnsafe(ref chunk, 112);
        }

        if (encrypt && strides > 0)
        {
            acc = GhashStride(acc, ref Unsafe.Add(ref d, (strides - 1) * Stride));
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Counter(Vector128<uint> counterBase, uint counter) =>
        Sse41.Insert(counterBase, BinaryPrimitives.ReverseEndianness(counter), 3).AsByte();

    /// <summary>Writes E_K(counter .. counter+n-1) and then E_K(j0) to <paramref name="stream"/>, n ≤ 8.</summary>
    private void Keystream(Vector128<uint> counterBase, uint counter, int n, Vector128<byte> j0, Span<byte> stream)
    {
        ref Vector128<byte> rk = ref _roundKeys[0];
        Vector128<byte> k = rk;
        Vector128<byte> b0 = (n > 0 ? Counter(counterBase, counter) : j0) ^ k;
        Vector128<byte> b1 = (n > 1 ? Counter(counterBase, counter + 1) : j0) ^ k;
        Vector128<byte> b2 = (n > 2 ? Counter(counterBase, counter + 2) : j0) ^ k;
        Vector128<byte> b3 = (n > 3 ? Counter(counterBase, counter + 3) : j0) ^ k;
        Vector128<byte> b4 = (n > 4 ? Counter(counterBase, counter + 4) : j0) ^ k;
        Vector128<byte> b5 = (n > 5 ? Counter(counterBase, counter + 5) : j0) ^ k;
        Vector128<byte> b6 = (n > 6 ? Counter(counterBase, counter + 6) : j0) ^ k;
        Vector128<byte> b7 = (n > 7 ? Counter(counterBase, counter + 7) : j0) ^ k;
        int last = _rounds;
        for (int r = 1; r < last; r++)
        {
            k = Unsafe.Add(ref rk, r);
            b0 = X86Aes.Encrypt(b0, k);
            b1 = X86Aes.Encrypt(b1, k);
            b2 = X86Aes.Encrypt(b2, k);
            b3 = X86Aes.Encrypt(b3, k);
            b4 = X86Aes.Encrypt(b4, k);
            b5 = X86Aes.Encrypt(b5, k);
            b6 = X86Aes.Encrypt(b6, k);
            b7 = X86Aes.Encrypt(b7, k);
        }

        k = Unsafe.Add(ref rk, last);
        ref byte s = ref MemoryMarshal.GetReference(stream);
        X86Aes.EncryptLast(b0, k).StoreUnsafe(ref s, 0);
        X86Aes.EncryptLast(b1, k).StoreUnsafe(ref s, 16);
        X86Aes.EncryptLast(b2, k).StoreUnsafe(ref s, 32);
        X86Aes.EncryptLast(b3, k).StoreUnsafe(ref s, 48);
        X86Aes.EncryptLast(b4, k).StoreUnsafe(ref s, 64);
        X86Aes.EncryptLast(b5, k).StoreUnsafe(ref s, 80);
        X86Aes.EncryptLast(b6, k).StoreUnsafe(ref s, 96);
        X86Aes.EncryptLast(b7, k).StoreUnsafe(ref s, 112);
        if (n == 8)
        {
            // Every slot held a data counter: E_K(J0) takes one more pass of its own.
            EncryptBlock(j0).StoreUnsafe(ref s, 128);
        }
        else if (n < 7)
        {
            // Move E_K(J0) from slot 7 right behind the n data blocks, where the caller looks for it.
            Vector128.LoadUnsafe(ref s, 112).StoreUnsafe(ref s, (nuint)(n * BlockSize));
        }
    }

    [InlineArray(MaxRounds + 1)]
    private struct RoundKeys
    {
        private Vector128<byte> _element;
    }

    [InlineArray(Count)]
    private struct HashKeyPowers
    {
        public const int Count = 9;
        private Vector128<ulong> _element;
    }

    [InlineArray(4)]
    private struct HashKeyPairs
    {
        private Vector256<ulong> _element;
    }
}
