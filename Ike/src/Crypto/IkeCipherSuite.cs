using System.Diagnostics.CodeAnalysis;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Crypto;

/// <summary>
/// An encryption transform, with its integrity transform when it is not AEAD, that protects the SK payload of an IKE SA
/// (RFC 7296 3.14): the wire sizes (IV, cipher block for padding, ICV) and the key sizes. Immutable and shared.
/// <list type="bullet">
/// <item>AES-GCM with a 16-byte ICV, 128 or 256-bit keys (RFC 5282): key || 4-byte salt, 8-byte IV, no integrity transform.</item>
/// <item>ChaCha20-Poly1305 (RFC 7634): 256-bit key || 4-byte salt, 8-byte IV, 16-byte tag, no integrity transform.</item>
/// <item>AES-CBC with 128 or 256-bit keys (RFC 3602) and HMAC-SHA2-256-128, 384-192 or 512-256 (RFC 4868).</item>
/// </list>
/// <see cref="LegacyAesCbc128HmacSha1Bits96"/> exists only to read old captures: it is not in <see cref="Supported"/> and
/// <see cref="TryGet"/> never returns it, so it is never proposed nor accepted.
/// </summary>
public sealed class IkeCipherSuite
{
    /// <summary>AES block size, which is also the CBC IV length (RFC 3602).</summary>
    internal const int AesBlockSize = 16;

    /// <summary>The explicit IV of AES-GCM and ChaCha20-Poly1305 in IKEv2 (RFC 5282 3.1, RFC 7634 2).</summary>
    internal const int AeadIvLength = 8;

    /// <summary>The tag length of ENCR_AES_GCM_16 and ENCR_CHACHA20_POLY1305.</summary>
    internal const int AeadTagLength = 16;

    /// <summary>The salt taken from KEYMAT after the AEAD key (RFC 5282 7.1, RFC 7634 2).</summary>
    internal const int AeadSaltLength = 4;

    private IkeCipherSuite(string name, EncryptionAlgorithm encryption, int keyBits, IntegrityAlgorithm integrity, int icvLength, bool legacy,
        bool icvCoversHeaders = true)
    {
        IcvCoversHeaders = icvCoversHeaders;
        Name = name;
        Encryption = encryption;
        KeyBits = keyBits;
        Integrity = integrity;
        IsAead = integrity == IntegrityAlgorithm.None;
        KeyLength = keyBits / 8;
        SaltLength = IsAead ? AeadSaltLength : 0;
        IntegrityKeyLength = integrity switch
        {
            IntegrityAlgorithm.HmacSha1Bits96 => 20,
            IntegrityAlgorithm.HmacSha256Bits128 => 32,
            IntegrityAlgorithm.HmacSha384Bits192 => 48,
            IntegrityAlgorithm.HmacSha512Bits256 => 64,
            _ => 0,
        };
        IvLength = IsAead ? AeadIvLength : AesBlockSize;
        BlockSize = IsAead ? 1 : AesBlockSize;
        IcvLength = icvLength;
        IsLegacy = legacy;
    }

    /// <summary>ENCR_AES_GCM_16, 128-bit key (RFC 5282).</summary>
    public static IkeCipherSuite AesGcm16Bits128 { get; } = new("aes128gcm16", EncryptionAlgorithm.AesGcm16, 128, IntegrityAlgorithm.None, AeadTagLength, false);

    /// <summary>ENCR_AES_GCM_16, 256-bit key (RFC 5282).</summary>
    public static IkeCipherSuite AesGcm16Bits256 { get; } = new("aes256gcm16", EncryptionAlgorithm.AesGcm16, 256, IntegrityAlgorithm.None, AeadTagLength, false);

    /// <summary>ENCR_CHACHA20_POLY1305 (RFC 7634).</summary>
    public static IkeCipherSuite ChaCha20Poly1305 { get; } = new("chacha20poly1305", EncryptionAlgorithm.ChaCha20Poly1305, 256, IntegrityAlgorithm.None, AeadTagLength, false);

    /// <summary>ENCR_AES_CBC 128 with AUTH_HMAC_SHA2_256_128.</summary>
    public static IkeCipherSuite AesCbc128HmacSha256 { get; } = new("aes128-sha256", EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha256Bits128, 16, false);

    /// <summary>ENCR_AES_CBC 128 with AUTH_HMAC_SHA2_384_192.</summary>
    public static IkeCipherSuite AesCbc128HmacSha384 { get; } = new("aes128-sha384", EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha384Bits192, 24, false);

    /// <summary>ENCR_AES_CBC 128 with AUTH_HMAC_SHA2_512_256.</summary>
    public static IkeCipherSuite AesCbc128HmacSha512 { get; } = new("aes128-sha512", EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha512Bits256, 32, false);

    /// <summary>ENCR_AES_CBC 256 with AUTH_HMAC_SHA2_256_128.</summary>
    public static IkeCipherSuite AesCbc256HmacSha256 { get; } = new("aes256-sha256", EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.HmacSha256Bits128, 16, false);

    /// <summary>ENCR_AES_CBC 256 with AUTH_HMAC_SHA2_384_192.</summary>
    public static IkeCipherSuite AesCbc256HmacSha384 { get; } = new("aes256-sha384", EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.HmacSha384Bits192, 24, false);

    /// <summary>ENCR_AES_CBC 256 with AUTH_HMAC_SHA2_512_256.</summary>
    public static IkeCipherSuite AesCbc256HmacSha512 { get; } = new("aes256-sha512", EncryptionAlgorithm.AesCbc, 256, IntegrityAlgorithm.HmacSha512Bits256, 32, false);

    /// <summary>
    /// ENCR_AES_CBC 128 with AUTH_HMAC_SHA1_96: legacy, only for decrypting old captures in tests. Not in
    /// <see cref="Supported"/> and never returned by <see cref="TryGet"/>.
    /// </summary>
    internal static IkeCipherSuite LegacyAesCbc128HmacSha1Bits96 { get; } = new("aes128-sha1 (legacy)", EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha1Bits96, 12, true);

    /// <summary>
    /// The legacy suite as the implementation that made tcpdump's ikev2pI2.pcap computed it: the ICV covers the IV and
    /// ciphertext only, not the IKE header and SK header that RFC 7296 3.14 includes. Tests only; unsafe (the headers
    /// are unauthenticated) and never negotiated.
    /// </summary>
    internal static IkeCipherSuite LegacyHeaderlessIcvAesCbc128HmacSha1Bits96 { get; } =
        new("aes128-sha1 (legacy, ICV without headers)", EncryptionAlgorithm.AesCbc, 128, IntegrityAlgorithm.HmacSha1Bits96, 12, true, icvCoversHeaders: false);

    /// <summary>Every suite we negotiate, AEAD first.</summary>
    public static IReadOnlyList<IkeCipherSuite> Supported { get; } =
    [
        AesGcm16Bits256, AesGcm16Bits128, ChaCha20Poly1305,
        AesCbc256HmacSha512, AesCbc256HmacSha384, AesCbc256HmacSha256,
        AesCbc128HmacSha512, AesCbc128HmacSha384, AesCbc128HmacSha256,
    ];

    /// <summary>A short name in strongSwan's proposal style (e.g. aes256gcm16, aes128-sha256), for logs.</summary>
    public string Name { get; }

    /// <summary>The encryption transform ID (transform type 1).</summary>
    public EncryptionAlgorithm Encryption { get; }

    /// <summary>The cipher key length in bits (the Key Length attribute for AES; 256 for ChaCha20-Poly1305, which sends none).</summary>
    public int KeyBits { get; }

    /// <summary>The integrity transform ID (transform type 3); <see cref="IntegrityAlgorithm.None"/> for AEAD.</summary>
    public IntegrityAlgorithm Integrity { get; }

    /// <summary>True for combined-mode ciphers (no integrity transform, no SK_ai/SK_ar).</summary>
    public bool IsAead { get; }

    /// <summary>Bytes of cipher key.</summary>
    public int KeyLength { get; }

    /// <summary>Bytes of salt after the key in SK_ei/SK_er (4 for AEAD, 0 for CBC).</summary>
    public int SaltLength { get; }

    /// <summary>Bytes of SK_ai/SK_ar (the HMAC's output length, RFC 4868 2.1.1); 0 for AEAD.</summary>
    public int IntegrityKeyLength { get; }

    /// <summary>Bytes of the IV at the start of the SK body.</summary>
    public int IvLength { get; }

    /// <summary>The plaintext (payloads, padding and Pad Length) is a multiple of this (RFC 7296 3.14).</summary>
    public int BlockSize { get; }

    /// <summary>Bytes of Integrity Checksum Data (the truncated HMAC, or the AEAD tag) at the end of the SK body.</summary>
    public int IcvLength { get; }

    /// <summary>True for the HMAC-SHA1-96 suite kept only to read old captures.</summary>
    public bool IsLegacy { get; }

    /// <summary>
    /// True (RFC 7296 3.14) when the ICV covers the message from the first byte of the IKE header; false only for
    /// <see cref="LegacyHeaderlessIcvAesCbc128HmacSha1Bits96"/>, whose ICV starts at the IV.
    /// </summary>
    internal bool IcvCoversHeaders { get; }

    /// <summary>The KEYMAT one SK_e takes, for <see cref="IkeSaKeys.Derive"/>.</summary>
    public EncryptionKeySize EncryptionKeySize => new(KeyLength, SaltLength, IsAead);

    /// <summary>
    /// The suite for negotiated transforms: <paramref name="keyBits"/> is the Key Length attribute (null when absent,
    /// as for ChaCha20-Poly1305), <paramref name="integrity"/> the integrity transform (None for AEAD). False for
    /// combinations we do not implement, and for the legacy HMAC-SHA1-96 suite.
    /// </summary>
    public static bool TryGet(EncryptionAlgorithm encryption, int? keyBits, IntegrityAlgorithm integrity, [NotNullWhen(true)] out IkeCipherSuite? suite)
    {
        int bits = keyBits ?? (encryption == EncryptionAlgorithm.ChaCha20Poly1305 ? 256 : 0);
        suite = Supported.FirstOrDefault(s => s.Encryption == encryption && s.KeyBits == bits && s.Integrity == integrity);
        return suite is not null;
    }

    /// <summary>The length of the SK body (IV, encrypted payloads with padding and Pad Length, ICV) for <paramref name="innerLength"/> bytes of payloads.</summary>
    public int GetBodyLength(int innerLength) => IvLength + GetPaddedLength(innerLength) + IcvLength;

    /// <summary>
    /// Payloads + Padding + Pad Length rounded up to <see cref="BlockSize"/> with the least padding (RFC 7296 3.14).
    /// </summary>
    internal int GetPaddedLength(int innerLength)
    {
        int withPadLength = innerLength + 1;
        return (withPadLength + BlockSize - 1) / BlockSize * BlockSize;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
