namespace IpsecFw.Ike.Messages;

/// <summary>Transform type 1 identifiers (IANA "Transform Type 1 - Encryption Algorithm Transform IDs").</summary>
public enum EncryptionAlgorithm : ushort
{
    /// <summary>ENCR_DES_IV64.</summary>
    DesIv64 = 1,

    /// <summary>ENCR_DES.</summary>
    Des = 2,

    /// <summary>ENCR_3DES.</summary>
    TripleDes = 3,

    /// <summary>ENCR_RC5.</summary>
    Rc5 = 4,

    /// <summary>ENCR_IDEA.</summary>
    Idea = 5,

    /// <summary>ENCR_CAST.</summary>
    Cast = 6,

    /// <summary>ENCR_BLOWFISH.</summary>
    Blowfish = 7,

    /// <summary>ENCR_3IDEA.</summary>
    TripleIdea = 8,

    /// <summary>ENCR_DES_IV32.</summary>
    DesIv32 = 9,

    /// <summary>ENCR_NULL.</summary>
    Null = 11,

    /// <summary>ENCR_AES_CBC (RFC 3602).</summary>
    AesCbc = 12,

    /// <summary>ENCR_AES_CTR (RFC 3686).</summary>
    AesCtr = 13,

    /// <summary>ENCR_AES_CCM_8.</summary>
    AesCcm8 = 14,

    /// <summary>ENCR_AES_CCM_12.</summary>
    AesCcm12 = 15,

    /// <summary>ENCR_AES_CCM_16.</summary>
    AesCcm16 = 16,

    /// <summary>ENCR_AES_GCM_8 (RFC 4106).</summary>
    AesGcm8 = 18,

    /// <summary>ENCR_AES_GCM_12.</summary>
    AesGcm12 = 19,

    /// <summary>ENCR_AES_GCM_16.</summary>
    AesGcm16 = 20,

    /// <summary>ENCR_NULL_AUTH_AES_GMAC (RFC 4543).</summary>
    NullAuthAesGmac = 21,

    /// <summary>ENCR_CAMELLIA_CBC.</summary>
    CamelliaCbc = 23,

    /// <summary>ENCR_CAMELLIA_CTR.</summary>
    CamelliaCtr = 24,

    /// <summary>ENCR_CHACHA20_POLY1305 (RFC 7634).</summary>
    ChaCha20Poly1305 = 28,
}
