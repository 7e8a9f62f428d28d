using IpsecFw.Esp.Crypto;

namespace IpsecFw.Esp.Tests.Vectors;

/// <summary>Known-answer checks shared by the vector tests; every failure names the vector it came from.</summary>
internal static class AeadKat
{
    /// <summary>
    /// Seals <paramref name="plaintext"/> and requires <paramref name="ciphertext"/> and <paramref name="tag"/> byte for
    /// byte (a tag shorter than 16 bytes is the truncated tag), then opens that result back to the plaintext, and
    /// requires that the same ciphertext with one tag bit flipped is rejected.
    /// </summary>
    public static void SealsAndOpens(Aead aead, byte[] nonce, byte[] aad, byte[] plaintext, byte[] ciphertext, byte[] tag, string label)
    {
        byte[] data = (byte[])plaintext.Clone();
        byte[] sealedTag = new byte[tag.Length];
        aead.Seal(nonce, aad, data, sealedTag);
        Same(ciphertext, data, $"{label} ({aead.Name}): ciphertext");
        Same(tag, sealedTag, $"{label} ({aead.Name}): tag");

        Opens(aead, nonce, aad, ciphertext, tag, plaintext, label);

        byte[] forged = (byte[])tag.Clone();
        forged[^1] ^= 0x01;
        Rejects(aead, nonce, aad, ciphertext, forged, $"{label} (tag bit flipped)");
    }

    /// <summary>Requires Open to accept the input and to yield <paramref name="plaintext"/>.</summary>
    public static void Opens(Aead aead, byte[] nonce, byte[] aad, byte[] ciphertext, byte[] tag, byte[] plaintext, string label)
    {
        byte[] data = (byte[])ciphertext.Clone();
        if (!aead.Open(nonce, aad, data, tag))
        {
            Assert.Fail($"{label} ({aead.Name}): Open rejected a valid vector");
        }

        Same(plaintext, data, $"{label} ({aead.Name}): opened plaintext");
    }

    /// <summary>Requires Open to reject the input and to leave the buffer zeroed (the <see cref="Aead.Open"/> contract).</summary>
    public static void Rejects(Aead aead, byte[] nonce, byte[] aad, byte[] ciphertext, byte[] tag, string label)
    {
        byte[] data = (byte[])ciphertext.Clone();
        if (aead.Open(nonce, aad, data, tag))
        {
            Assert.Fail($"{label} ({aead.Name}): Open accepted an input that must be rejected");
        }

        if (data.AsSpan().ContainsAnyExcept((byte)0))
        {
            Assert.Fail($"{label} ({aead.Name}): Open rejected the input but left the buffer not zeroed");
        }
    }

    /// <summary>Byte-for-byte equality with both values in hex in the message.</summary>
    public static void Same(byte[] expected, ReadOnlySpan<byte> actual, string what)
    {
        if (!actual.SequenceEqual(expected))
        {
            Assert.Fail($"{what}: got {Convert.ToHexStringLower(actual)}, expected {Convert.ToHexStringLower(expected)}");
        }
    }
}
