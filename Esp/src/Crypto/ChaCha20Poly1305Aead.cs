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
/// <see cref="Open"/> authenticates the ciphertext before it decrypts anything: a forged packet costs one batch of
/// ChaCha20 and the Poly1305 pass, and its bytes are zeroed.</para>
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
        int headBlocks = ChaCha20.HeadBlocks(data.Length);
        head = head[..(headBlocks * ChaCha20.BlockSize)];
        ChaCha20.Keystream(in _key, 0, in n, head);

        // Section 2.8: encrypt with blocks 1 on, then MAC aad || pad16 || ciphertext || pad16 || lengths.
        int prefix = Math.Min(data.Length, head.Length - ChaCha20.BlockSize);
        ChaCha20.XorInto(data[..prefix], head[ChaCha20.BlockSize..]);
        ChaCha20.Xor(in _key, (uint)headBlocks, in n, data[prefix..]);

        var mac = new Poly1305(head[..Poly1305.KeySize]);
        CryptographicOperations.ZeroMemory(head);
        Authenticate(ref mac, aad, data);
        mac.Finish(tag);
        mac.Clear();
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
        int headBlocks = ChaCha20.HeadBlocks(data.Length);
        head = head[..(headBlocks * ChaCha20.BlockSize)];
        ChaCha20.Keystream(in _key, 0, in n, head);

        // Authenticate the ciphertext as received, before any of it is decrypted.
        var mac = new Poly1305(head[..Poly1305.KeySize]);
        Authenticate(ref mac, aad, data);
        Span<byte> expected = stackalloc byte[TagSize];
        mac.Finish(expected);
        mac.Clear();
        bool valid = CryptographicOperations.FixedTimeEquals(expected, tag);
        CryptographicOperations.ZeroMemory(expected);
        if (!valid)
        {
            CryptographicOperations.ZeroMemory(head);
            CryptographicOperations.ZeroMemory(data);
            return false;
        }

        int prefix = Math.Min(data.Length, head.Length - ChaCha20.BlockSize);
        ChaCha20.XorInto(data[..prefix], head[ChaCha20.BlockSize..]);
        CryptographicOperations.ZeroMemory(head);
        ChaCha20.Xor(in _key, (uint)headBlocks, in n, data[prefix..]);
        return true;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing) =>
        CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref _key[0], ChaCha20Key.Count)));

    /// <summary>
    /// The Poly1305 input of section 2.8: AAD, pad16, ciphertext, pad16, then both lengths as little-endian 64-bit
    /// integers.
    /// </summary>
    private static void Authenticate(ref Poly1305 mac, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext)
    {
        mac.UpdatePadded(aad);
        mac.UpdatePadded(ciphertext);
        Span<byte> lengths = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(lengths, (ulong)aad.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(lengths[8..], (ulong)ciphertext.Length);
        mac.Update(lengths);
    }
}
