namespace IpsecFw.Esp.Crypto;

/// <summary>
/// An authenticated cipher with a 96-bit nonce, as ESP uses it (RFC 4106, RFC 7634): seal and open in place.
/// Instances hold key material and are not safe for concurrent use by several threads at once
/// unless the implementation says otherwise; <see cref="Dispose()"/> zeroes the key material.
/// </summary>
public abstract class Aead : IDisposable
{
    /// <summary>The nonce length every ESP AEAD uses: 4-byte salt and 8-byte IV.</summary>
    public const int NonceSize = 12;

    /// <summary>The longest tag (ICV) any implementation produces.</summary>
    public const int MaxTagSize = 16;

    private bool _disposed;

    /// <summary>A short name for logs and benchmarks, e.g. "AES-GCM-256 (AES-NI/PCLMULQDQ)".</summary>
    public abstract string Name { get; }

    /// <summary>True once <see cref="Dispose()"/> has run; a disposed AEAD refuses to seal or open.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>
    /// Encrypts <paramref name="data"/> in place and writes the tag (<paramref name="tag"/>.Length bytes, 4 to 16).
    /// </summary>
    public abstract void Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, Span<byte> tag);

    /// <summary>
    /// Verifies the tag in constant time and decrypts <paramref name="data"/> in place. On failure returns false and
    /// leaves <paramref name="data"/> zeroed: unauthenticated plaintext is never released. Never throws on bad input.
    /// </summary>
    public abstract bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, ReadOnlySpan<byte> tag);

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Zeroes key material.</summary>
    protected abstract void Dispose(bool disposing);

    /// <summary>
    /// For tests: true when every byte of key material this object holds in managed memory is zero. Implementations
    /// whose key lives in a native library (the platform wrappers) cannot tell and return false.
    /// </summary>
    internal virtual bool KeyMaterialIsZeroed() => false;
}
