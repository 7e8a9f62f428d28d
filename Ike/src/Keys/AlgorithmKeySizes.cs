using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Keys;

/// <summary>Key sizes of the transforms whose keys come from prf+ (RFC 7296 2.14, 2.17). Stateless.</summary>
public static class AlgorithmKeySizes
{
    /// <summary>
    /// The KEYMAT an encryption transform takes. AES modes need the Key Length attribute (128, 192 or 256);
    /// ChaCha20-Poly1305 has none (RFC 7634). False for transforms we do not implement or a bad key length.
    /// </summary>
    public static bool TryGetEncryption(EncryptionAlgorithm algorithm, int? keyBits, out EncryptionKeySize size)
    {
        bool aesLength = keyBits is 128 or 192 or 256;
        int aesBytes = (keyBits ?? 0) / 8;
        size = algorithm switch
        {
            EncryptionAlgorithm.AesCbc when aesLength => new EncryptionKeySize(aesBytes, 0, IsAead: false),
            EncryptionAlgorithm.AesCtr when aesLength => new EncryptionKeySize(aesBytes, 4, IsAead: false),
            EncryptionAlgorithm.AesGcm8 or EncryptionAlgorithm.AesGcm12 or EncryptionAlgorithm.AesGcm16 when aesLength =>
                new EncryptionKeySize(aesBytes, 4, IsAead: true),
            EncryptionAlgorithm.AesCcm8 or EncryptionAlgorithm.AesCcm12 or EncryptionAlgorithm.AesCcm16 when aesLength =>
                new EncryptionKeySize(aesBytes, 3, IsAead: true),
            EncryptionAlgorithm.ChaCha20Poly1305 when keyBits is null or 256 => new EncryptionKeySize(32, 4, IsAead: true),
            EncryptionAlgorithm.Null => new EncryptionKeySize(0, 0, IsAead: false),
            _ => default,
        };
        return size != default || algorithm == EncryptionAlgorithm.Null;
    }

    /// <summary>The key length of an integrity transform (HMAC: the hash's output length, RFC 4868 2.1.1); 0 for None.</summary>
    public static bool TryGetIntegrity(IntegrityAlgorithm algorithm, out int keyLength)
    {
        keyLength = algorithm switch
        {
            IntegrityAlgorithm.None => 0,
            IntegrityAlgorithm.HmacSha1Bits96 => 20,
            IntegrityAlgorithm.AesXcbcBits96 => 16,
            IntegrityAlgorithm.HmacSha256Bits128 => 32,
            IntegrityAlgorithm.HmacSha384Bits192 => 48,
            IntegrityAlgorithm.HmacSha512Bits256 => 64,
            _ => -1,
        };
        return keyLength >= 0;
    }
}
