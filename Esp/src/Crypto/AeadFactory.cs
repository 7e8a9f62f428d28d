namespace IpsecFw.Esp.Crypto;

/// <summary>
/// Picks the AEAD implementation for a transform once, at SA creation: the AES-NI/PCLMULQDQ AES-GCM where the CPU has
/// those instructions, else the platform's AES-GCM. The choice is made per process at start-up
/// (<see cref="UseIntrinsicsAesGcm"/>), never per packet.
/// </summary>
public static class AeadFactory
{
    /// <summary>True when AES-GCM runs on this assembly's own intrinsics implementation.</summary>
    public static bool UseIntrinsicsAesGcm { get; } = AesNiGcm.IsSupported
        && Environment.GetEnvironmentVariable("IPSECFW_DISABLE_AESNI") != "1";

    /// <summary>Creates the AEAD for <paramref name="cipher"/> from its key (KEYMAT without the salt).</summary>
    public static Aead Create(EspCipher cipher, ReadOnlySpan<byte> key) => cipher switch
    {
        EspCipher.AesGcm128 or EspCipher.AesGcm256 when UseIntrinsicsAesGcm => new AesNiGcm(key),
        EspCipher.AesGcm128 or EspCipher.AesGcm256 => new PlatformAesGcm(key),
        EspCipher.ChaCha20Poly1305 => new ChaCha20Poly1305Aead(key),
        _ => throw new ArgumentOutOfRangeException(nameof(cipher)),
    };
}
