namespace IpsecFw.Esp;

/// <summary>The ESP AEAD transforms this engine implements; every one has a 16-byte ICV and an 8-byte IV.</summary>
public enum EspCipher : byte
{
    /// <summary>ENCR_AES_GCM_16 with a 128-bit key (RFC 4106): 16-byte key + 4-byte salt of KEYMAT.</summary>
    AesGcm128,

    /// <summary>ENCR_AES_GCM_16 with a 256-bit key (RFC 4106): 32-byte key + 4-byte salt of KEYMAT.</summary>
    AesGcm256,

    /// <summary>ENCR_CHACHA20_POLY1305 (RFC 7634): 32-byte key + 4-byte salt of KEYMAT.</summary>
    ChaCha20Poly1305,
}
