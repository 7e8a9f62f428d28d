using System.Security.Cryptography;

namespace IpsecFw.Benchmarks;

/// <summary>Fixed keys and inputs: every run encrypts the same bytes, so runs compare.</summary>
internal static class Fixtures
{
    public const int TagSize = 16;

    /// <summary>ESP's AAD without ESN: SPI and 32-bit sequence number (RFC 4106 5).</summary>
    public const int AadSize = 8;

    public static byte[] Bytes(int length, byte seed)
    {
        var b = new byte[length];
        for (int i = 0; i < b.Length; i++)
        {
            b[i] = (byte)(seed + i * 131 + (i >> 8));
        }

        return b;
    }

    public static byte[] Key256 { get; } = Bytes(32, 0x11);

    public static byte[] Key128 { get; } = Bytes(16, 0x22);

    public static byte[] ChaChaKey { get; } = Bytes(32, 0x33);

    public static byte[] Nonce { get; } = Bytes(12, 0x44);

    public static byte[] Aad { get; } = Bytes(AadSize, 0x55);

    public static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new CryptographicException("benchmark self-check failed: " + what);
        }
    }
}
