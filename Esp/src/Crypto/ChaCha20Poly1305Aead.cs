using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace IpsecFw.Esp.Crypto;

/// <summary>
/// AEAD_CHACHA20_POLY1305 (RFC 8439 section 2.8) as ESP uses it (RFC 7634): 32-byte key, 4-byte salt and 8-byte IV
/// as the 96-bit nonce, 16-byte ICV. Our own implementation (<see cref="ChaCha20"/>, <see cref="Poly1305"/>): no
/// allocation per call, and <see cref="Open"/> reports a forged packet by its return value, never by an exception.
/// </summary>
/// <remarks>
/// <para>Block 0 of the keystream is the Poly1305 one-time key (section 2.6) and blocks 1 on encrypt the data, so one
/// batch of the block function (up to eight blocks) yields the key and the keystream for the first bytes together.
/// After that the message goes through in batches of the widest ChaCha20 implementation, each absorbing into Poly1305
/// ciphertext it has not written yet: in <see cref="Seal"/> what the batches before it produced, in <see cref="Open"/>
/// everything up to its own end, read before the batch is decrypted in place. On AVX2 the two interleave
/// (<see cref="ChaCha20X8.XorWithMac"/>). <see cref="Open"/> decrypts the head and the tail only after the tag checks out
/// and zeroes the whole buffer when it does not, so a forged packet costs what a genuine one does and releases no
/// plaintext.</para>
/// <para>The key lives inside this object and is zeroed by <see cref="Aead.Dispose()"/>; the one-time key, the
/// Poly1305 state and keystream on the stack are zeroed before each call returns. Seal and Open keep no state between
/// calls and may run concurrently on one instance.</para>
/// </remarks>
public sealed class ChaCha20Poly1305Aead : Aead
{
    /// <summary>Bytes in the key.</summary>
    public const int KeySize = 32;

    /// <summary>Bytes in the tag (ICV).</summary>
    public const int TagSize = Poly1305.TagSize;

    private ChaCha20Key _key;

    /// <summary>Always true: the implementation needs no particular CPU; it uses SIMD where the CPU has it.</summary>
    public static bool IsSupported => true;

    /// <summary>Creates the cipher from a 32-byte key.</summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    public ChaCha20Poly1305Aead(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new ArgumentException("ChaCha20-Poly1305 keys are 32 bytes.", nameof(key));
        }

        for (int i = 0; i < ChaCha20Key.Count; i++)
        {
            _key[i] = BinaryPrimitives.ReadUInt32LittleEndian(key[(4 * i)..]);
        }
    }

    /// <inheritdoc />
    public override string Name => ChaCha20X8.IsSupported ? "ChaCha20-Poly1305 (AVX2)"
        : ChaCha20X4.IsSupported ? "ChaCha20-Poly1305 (SSE2)"
        : "ChaCha20-Poly1305 (scalar)";

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The nonce is not 12 bytes or the tag not 16.</exception>
    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (nonce.Length != NonceSize)
        {
            throw new ArgumentException("The nonce must be 12 bytes.", nameof(nonce));
        }

        if (tag.Length != TagSize)
        {
            throw new ArgumentException("The tag must be 16 bytes.", nameof(tag));
        }

        var n = new ChaCha20Nonce(nonce);
        Span<byte> head = stackalloc byte[ChaCha20.MaxHeadBlocks * ChaCha20.BlockSize];
        head = head[..(ChaCha20.HeadBlocks(data.Length) * ChaCha20.BlockSize)];
        ChaCha20.Keystream(in _key, 0, in n, head);
        var mac = new Poly1305(head[..Poly1305.KeySize]);
        mac.UpdatePadded(aad);

        // Section 2.8: encrypt with blocks 1 on, and MAC aad || pad16 || ciphertext || pad16 || lengths. Each batch
        // absorbs the ciphertext that the head and the batches before it produced.
        int encrypted = Math.Min(data.Length, head.Length - ChaCha20.BlockSize);
        ChaCha20.XorInto(data[..encrypted], head[ChaCha20.BlockSize..]);
        CryptographicOperations.ZeroMemory(head);
        uint counter = (uint)(head.Length / ChaCha20.BlockSize);
        int authenticated = 0;
        int batchSize = ChaCha20.BatchSize;
        while (data.Length - encrypted >= batchSize)
        {
            ChaCha20.XorWithMac(in _key, counter, in n, data.Slice(encrypted, batchSize), ref mac, data[authenticated..encrypted]);
            authenticated = encrypted;
            encrypted += batchSize;
            counter += (uint)(batchSize / ChaCha20.BlockSize);
        }

        int tail = data.Length - encrypted;
        if (tail > 0)
        {
            Span<byte> stream = stackalloc byte[ChaCha20X8.BatchSize];
            stream = stream[..ChaCha20.TailBatchSize(tail)];
            stream.Clear();
            ChaCha20.XorWithMac(in _key, counter, in n, stream, ref mac, data[authenticated..encrypted]);
            authenticated = encrypted;
            ChaCha20.XorInto(data[encrypted..], stream);
            CryptographicOperations.ZeroMemory(stream);
        }

        Finish(ref mac, aad.Length, data, authenticated, tag);
    }

    /// <inheritdoc />
    public override bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        if (IsDisposed || nonce.Length != NonceSize || tag.Length != TagSize)
        {
            data.Clear();
            return false;
        }

        var n = new ChaCha20Nonce(nonce);
        Span<byte> head = stackalloc byte[ChaCha20.MaxHeadBlocks * ChaCha20.BlockSize];
        head = head[..(ChaCha20.HeadBlocks(data.Length) * ChaCha20.BlockSize)];
        ChaCha20.Keystream(in _key, 0, in n, head);
        var mac = new Poly1305(head[..Poly1305.KeySize]);
        mac.UpdatePadded(aad);

        // The first bytes are decrypted from the head's keystream only once the tag checks out. Each whole batch after
        // them absorbs all ciphertext up to its own end, reading it before it decrypts the batch in place.
        int prefix = Math.Min(data.Length, head.Length - ChaCha20.BlockSize);
        int decrypted = prefix;
        uint counter = (uint)(head.Length / ChaCha20.BlockSize);
        int authenticated = 0;
        int batchSize = ChaCha20.BatchSize;
        while (data.Length - decrypted >= batchSize)
        {
            ChaCha20.XorWithMac(in _key, counter, in n, data.Slice(decrypted, batchSize), ref mac, data[authenticated..(decrypted + batchSize)]);
            decrypted += batchSize;
            authenticated = decrypted;
            counter += (uint)(batchSize / ChaCha20.BlockSize);
        }

        // The tail's keystream goes to the stack, also applied only once the tag checks out, while the whole blocks
        // left are absorbed.
        int tail = data.Length - decrypted;
        Span<byte> stream = stackalloc byte[ChaCha20X8.BatchSize];
        stream = stream[..(tail > 0 ? ChaCha20.TailBatchSize(tail) : 0)];
        if (tail > 0)
        {
            stream.Clear();
            int whole = (data.Length - authenticated) & ~(Poly1305.BlockSize - 1);
            ChaCha20.XorWithMac(in _key, counter, in n, stream, ref mac, data.Slice(authenticated, whole));
            authenticated += whole;
        }

        Span<byte> expected = stackalloc byte[TagSize];
        Finish(ref mac, aad.Length, data, authenticated, expected);
        bool valid = CryptographicOperations.FixedTimeEquals(expected, tag);
        CryptographicOperations.ZeroMemory(expected);
        if (valid)
        {
            ChaCha20.XorInto(data[..prefix], head[ChaCha20.BlockSize..]);
            ChaCha20.XorInto(data[decrypted..], stream);
        }
        else
        {
            // Batches already decrypted in place are wiped with the rest: no unauthenticated plaintext leaves.
            CryptographicOperations.ZeroMemory(data);
        }

        CryptographicOperations.ZeroMemory(head);
        CryptographicOperations.ZeroMemory(stream);
        return valid;
    }

    /// <inheritdoc />
    internal override bool KeyMaterialIsZeroed() =>
        !MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref _key[0], ChaCha20Key.Count)).ContainsAnyExcept((byte)0);

    /// <inheritdoc />
    protected override void Dispose(bool disposing) =>
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref _key[0], ChaCha20Key.Count)));

    /// <summary>
    /// Completes the Poly1305 input of section 2.8 after the AAD (already padded) and the first
    /// <paramref name="authenticated"/> bytes of the ciphertext: the rest of the ciphertext, pad16, then both lengths
    /// as little-endian 64-bit integers. Writes the tag and zeroes the MAC state.
    /// </summary>
    private static void Finish(ref Poly1305 mac, int aadLength, ReadOnlySpan<byte> ciphertext, int authenticated, Span<byte> tag)
    {
        mac.UpdatePadded(ciphertext[authenticated..]);
        Span<byte> lengths = stackalloc byte[Poly1305.BlockSize];
        BinaryPrimitives.WriteUInt64LittleEndian(lengths, (ulong)aadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(lengths[8..], (ulong)ciphertext.Length);
        mac.Update(lengths);
        mac.Finish(tag);
        mac.Clear();
    }
}
