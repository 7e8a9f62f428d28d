using System.Buffers.Binary;

namespace IpsecFw.Esp.Crypto;

/// <summary>The 96-bit ChaCha20 nonce as three little-endian 32-bit words, state words 13 to 15 (RFC 8439 section 2.3).</summary>
internal readonly struct ChaCha20Nonce
{
    /// <summary>Parses a 12-byte nonce.</summary>
    public ChaCha20Nonce(ReadOnlySpan<byte> nonce)
    {
        Word0 = BinaryPrimitives.ReadUInt32LittleEndian(nonce);
        Word1 = BinaryPrimitives.ReadUInt32LittleEndian(nonce[4..]);
        Word2 = BinaryPrimitives.ReadUInt32LittleEndian(nonce[8..]);
    }

    /// <summary>State word 13.</summary>
    public uint Word0 { get; }

    /// <summary>State word 14.</summary>
    public uint Word1 { get; }

    /// <summary>State word 15.</summary>
    public uint Word2 { get; }
}
