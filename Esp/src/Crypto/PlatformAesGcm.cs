using System.Security.Cryptography;

namespace IpsecFw.Esp.Crypto;

/// <summary>
/// The fallback AES-GCM where AES-NI or PCLMULQDQ is absent: <see cref="System.Security.Cryptography.AesGcm"/>
/// (OpenSSL on Linux, CNG on Windows), which is constant-time on every platform it supports. Chosen once by
/// the ESP algorithm factory, never per packet.
/// </summary>
public sealed class PlatformAesGcm : Aead
{
    private readonly AesGcm _gcm;
    private readonly int _keySize;

    /// <summary>Creates the cipher from a 16- or 32-byte key (tags of 16 bytes; shorter tags use <see cref="AesNiGcm"/>).</summary>
    public PlatformAesGcm(ReadOnlySpan<byte> key)
    {
        if (key.Length is not (16 or 32))
        {
            throw new ArgumentException("AES-GCM keys are 16 or 32 bytes here.", nameof(key));
        }

        _keySize = key.Length;
        _gcm = new AesGcm(key, MaxTagSize);
    }

    /// <inheritdoc />
    public override string Name => _keySize == 16 ? "AES-GCM-128 (platform)" : "AES-GCM-256 (platform)";

    /// <inheritdoc />
    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _gcm.Encrypt(nonce, data, data, tag, aad);
    }

    /// <inheritdoc />
    public override bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        if (IsDisposed || nonce.Length != NonceSize || tag.Length != MaxTagSize)
        {
            data.Clear();
            return false;
        }

        try
        {
            _gcm.Decrypt(nonce, data, tag, data, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // AesGcm has no non-throwing Decrypt; this path only runs where AES-NI is absent. It zeroes the output.
            data.Clear();
            return false;
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing) => _gcm.Dispose();
}
