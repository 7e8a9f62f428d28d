namespace IpsecFw.Ike.Keys;

/// <summary>How much KEYMAT one encryption key takes.</summary>
/// <param name="KeyLength">Bytes of cipher key.</param>
/// <param name="SaltLength">Bytes of salt or nonce taken from KEYMAT after the key (AES-GCM and ChaCha20-Poly1305: 4, AES-CCM: 3, AES-CTR: 4).</param>
/// <param name="IsAead">True for combined-mode ciphers, which take no integrity transform (RFC 5282, RFC 4106).</param>
public readonly record struct EncryptionKeySize(int KeyLength, int SaltLength, bool IsAead)
{
    /// <summary>Bytes of KEYMAT per direction: key then salt (RFC 4106 8.1, RFC 5282 7.1).</summary>
    public int Total => KeyLength + SaltLength;
}
