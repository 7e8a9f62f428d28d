using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using IpsecFw.Ike.Messages;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace IpsecFw.Ike.Keys.KeyExchange;

/// <summary>
/// Group 14, the 2048-bit MODP group of RFC 3526 section 3 (generator 2). Public values and the shared secret are
/// left-padded with zeros to the modulus length (RFC 7296 3.4 and 2.14); a peer's value must lie in [2, p-2].
/// </summary>
public sealed class ModpKeyExchange : IkeKeyExchange
{
    /// <summary>Bytes of a group 14 value.</summary>
    public const int ModulusLength = 256;

    /// <summary>Bits of a private exponent: above the 2 x 112 bits of RFC 3526 section 8 for this group.</summary>
    public const int ExponentBits = 320;

    // RFC 3526 section 3: p = 2^2048 - 2^1984 - 1 + 2^64 * ( [2^1918 pi] + 124476 ).
    private static readonly BigInteger s_prime = new(
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74" +
        "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437" +
        "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05" +
        "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB" +
        "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
        "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718" +
        "3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF", 16);

    private static readonly BigInteger s_generator = BigInteger.Two;
    private static readonly BigInteger s_primeMinusOne = s_prime.Subtract(BigInteger.One);

    private readonly BigInteger _exponent;
    private readonly byte[] _publicValue;

    private ModpKeyExchange(BigInteger exponent)
    {
        _exponent = exponent;
        _publicValue = Pad(s_generator.ModPow(exponent, s_prime));
    }

    /// <inheritdoc/>
    public override KeyExchangeMethod Method => KeyExchangeMethod.Modp2048;

    /// <inheritdoc/>
    public override int PublicValueLength => ModulusLength;

    /// <inheritdoc/>
    public override byte[] PublicValue => (byte[])_publicValue.Clone();

    /// <summary>A fresh random exponent.</summary>
    public static ModpKeyExchange Create()
    {
        byte[] random = RandomNumberGenerator.GetBytes(ExponentBits / 8);
        try
        {
            random[0] |= 0x80; // full length, so the exponent is never small
            return new ModpKeyExchange(new BigInteger(1, random));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(random);
        }
    }

    /// <summary>A fixed private exponent (big-endian), for test vectors and deterministic exchange tests.</summary>
    public static ModpKeyExchange FromPrivateKey(ReadOnlySpan<byte> exponent) => new(new BigInteger(1, exponent.ToArray()));

    /// <inheritdoc/>
    public override bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicValue, [NotNullWhen(true)] out byte[]? sharedSecret, out KeyExchangeError error)
    {
        sharedSecret = null;
        if (peerPublicValue.Length != ModulusLength)
        {
            error = KeyExchangeError.InvalidPublicValueLength;
            return false;
        }

        // 1 and p-1 (and anything not below p) would pin the shared secret to a value the attacker knows.
        var peer = new BigInteger(1, peerPublicValue.ToArray());
        if (peer.CompareTo(BigInteger.One) <= 0 || peer.CompareTo(s_primeMinusOne) >= 0)
        {
            error = KeyExchangeError.PublicValueOutOfRange;
            return false;
        }

        sharedSecret = Pad(peer.ModPow(_exponent, s_prime));
        error = KeyExchangeError.None;
        return true;
    }

    private static byte[] Pad(BigInteger value)
    {
        byte[] output = new byte[ModulusLength];
        byte[] unsigned = value.ToByteArrayUnsigned();
        unsigned.CopyTo(output, ModulusLength - unsigned.Length);
        CryptographicOperations.ZeroMemory(unsigned);
        return output;
    }
}
