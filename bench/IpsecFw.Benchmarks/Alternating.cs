namespace IpsecFw.Benchmarks;

/// <summary>
/// A packet that can be opened in place over and over without restoring it. A stream-cipher AEAD opens ciphertext C
/// (tag Ta) into P = C ⊕ KS; under the same nonce and AAD, P is itself a valid ciphertext (of C) with its own tag Tb.
/// Alternating the two tags, every call is a full, successful verify-and-decrypt of <see cref="Data"/> and the buffer
/// flips between C and P; no copy of the packet sits inside the measured call, only the choice of a 16-byte tag.
/// </summary>
internal sealed class Alternating
{
    private readonly byte[][] _tags;
    private int _phase;

    /// <param name="plaintext">The plaintext the packet decrypts to on its first open.</param>
    /// <param name="encrypt">The reference encryption (plaintext, ciphertext, tag) under the benchmark's nonce and AAD.</param>
    public Alternating(byte[] plaintext, Action<byte[], byte[], byte[]> encrypt)
    {
        byte[] c = new byte[plaintext.Length];
        byte[] ta = new byte[Fixtures.TagSize];
        encrypt(plaintext, c, ta);

        byte[] p = new byte[plaintext.Length];
        byte[] tb = new byte[Fixtures.TagSize];
        encrypt(c, p, tb);                                   // C "encrypted" again is P, and Tb authenticates P
        Fixtures.Check(p.AsSpan().SequenceEqual(plaintext), "alternating packet: second encryption gives the plaintext back");

        Data = c;
        _tags = [ta, tb];
    }

    /// <summary>The packet; it holds the ciphertext the next <see cref="NextTag"/> authenticates.</summary>
    public byte[] Data { get; }

    /// <summary>The tag of what <see cref="Data"/> holds now; call once per open.</summary>
    public byte[] NextTag()
    {
        byte[] t = _tags[_phase];
        _phase ^= 1;
        return t;
    }
}
