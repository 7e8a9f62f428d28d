using System.Security.Cryptography;

namespace IpsecFw.Ike.Keys;

/// <summary>
/// prf+ (RFC 7296 2.13): the PRF iterated to produce as much keying material as asked.
/// <code>
/// prf+ (K,S) = T1 | T2 | T3 | T4 | ...
/// T1 = prf (K, S | 0x01)
/// T2 = prf (K, T1 | S | 0x02)
/// T3 = prf (K, T2 | S | 0x03)
/// </code>
/// The counter is one byte, so at most 255 blocks can be produced. Stateless and thread-safe.
/// </summary>
public static class PrfPlus
{
    /// <summary>The most blocks prf+ can produce (the counter is a single octet).</summary>
    public const int MaxBlocks = 255;

    /// <summary>The most bytes prf+ can produce with <paramref name="prf"/>.</summary>
    public static int MaxOutputLength(Prf prf)
    {
        ArgumentNullException.ThrowIfNull(prf);
        return MaxBlocks * prf.OutputLength;
    }

    /// <summary>Fills <paramref name="output"/> with prf+(key, seed); false if more than 255 blocks would be needed.</summary>
    public static bool TryDerive(Prf prf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> seed, Span<byte> output)
    {
        ArgumentNullException.ThrowIfNull(prf);
        int blockSize = prf.OutputLength;
        if (output.Length > MaxOutputLength(prf))
        {
            return false;
        }

        // Input of block n: T(n-1) | S | n, built once and reused.
        byte[] input = new byte[blockSize + seed.Length + 1];
        byte[] block = new byte[blockSize];
        try
        {
            int previousLength = 0;
            for (int n = 1, offset = 0; offset < output.Length; n++, offset += blockSize)
            {
                block.AsSpan(0, previousLength).CopyTo(input);
                seed.CopyTo(input.AsSpan(previousLength));
                input[previousLength + seed.Length] = (byte)n;
                prf.Compute(key, input.AsSpan(0, previousLength + seed.Length + 1), block);
                block.AsSpan(0, Math.Min(blockSize, output.Length - offset)).CopyTo(output[offset..]);
                previousLength = blockSize;
            }

            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
            CryptographicOperations.ZeroMemory(block);
        }
    }

    /// <summary>prf+(key, seed) of <paramref name="length"/> bytes as a new array.</summary>
    public static byte[] Derive(Prf prf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> seed, int length)
    {
        byte[] output = new byte[length];
        return TryDerive(prf, key, seed, output)
            ? output
            : throw new ArgumentOutOfRangeException(nameof(length), "prf+ cannot produce more than 255 blocks.");
    }
}
