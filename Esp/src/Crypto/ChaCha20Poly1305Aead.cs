using System.Security.Cryptography;

namespace IpsecFw.Esp.Crypto;

/// <summary>
/// ChaCha20-Poly1305 (RFC 8439) as ESP uses it (RFC 7634): 32-byte key, 4-byte salt, 8-byte IV, 16-byte ICV.
/// The primitive is .NET's <see cref="ChaCha20Poly1305"/> (OpenSSL underneath); the issue asks for an own
/// implementation only of AES-GCM.
/// </summary>
public sealed class ChaCha20Poly1305Aead : Aead
{
    private readonly ChaCha20Poly1305 _aead;

    /// <summary>True where the platform provides ChaCha20-Poly1305.</summary>
    public static bool IsSupported => ChaCha20Poly1305.IsSupported;

    /// <summary>Creates the cipher from a 32-byte key.</summary>
    public ChaCha20Poly1305Aead(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException("ChaCha20-Poly1305 keys are 32 bytes.", nameof(key));
        }

        _aead = new ChaCha20Poly1305(key);
    }

    /// <inheritdoc />
    public override string Name => "ChaCha20-Poly1305 (platform)";

    /// <inheritdoc />
    public override void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, Span<byte> tag)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _aead.Encrypt(nonce, data, data, tag, aad);
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
            _aead.Decrypt(nonce, data, tag, data, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // .NET offers no non-throwing Decrypt. Only forged or corrupted packets take this path; the cost is
            // bounded by the replay check that runs before it. The output is zeroed by the platform.
            data.Clear();
            return false;
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing) => _aead.Dispose();
}
