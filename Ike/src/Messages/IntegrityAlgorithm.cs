namespace IpsecFw.Ike.Messages;

/// <summary>Transform type 3 identifiers (IANA "Transform Type 3 - Integrity Algorithm Transform IDs"); the suffix is the ICV length in bits.</summary>
public enum IntegrityAlgorithm : ushort
{
    /// <summary>NONE (AEAD ciphers).</summary>
    None = 0,

    /// <summary>AUTH_HMAC_MD5_96.</summary>
    HmacMd5Bits96 = 1,

    /// <summary>AUTH_HMAC_SHA1_96.</summary>
    HmacSha1Bits96 = 2,

    /// <summary>AUTH_DES_MAC.</summary>
    DesMac = 3,

    /// <summary>AUTH_KPDK_MD5.</summary>
    KpdkMd5 = 4,

    /// <summary>AUTH_AES_XCBC_96.</summary>
    AesXcbcBits96 = 5,

    /// <summary>AUTH_HMAC_MD5_128.</summary>
    HmacMd5Bits128 = 6,

    /// <summary>AUTH_HMAC_SHA1_160.</summary>
    HmacSha1Bits160 = 7,

    /// <summary>AUTH_AES_CMAC_96.</summary>
    AesCmacBits96 = 8,

    /// <summary>AUTH_AES_128_GMAC.</summary>
    AesGmac128 = 9,

    /// <summary>AUTH_AES_192_GMAC.</summary>
    AesGmac192 = 10,

    /// <summary>AUTH_AES_256_GMAC.</summary>
    AesGmac256 = 11,

    /// <summary>AUTH_HMAC_SHA2_256_128 (RFC 4868).</summary>
    HmacSha256Bits128 = 12,

    /// <summary>AUTH_HMAC_SHA2_384_192 (RFC 4868).</summary>
    HmacSha384Bits192 = 13,

    /// <summary>AUTH_HMAC_SHA2_512_256 (RFC 4868).</summary>
    HmacSha512Bits256 = 14,
}
