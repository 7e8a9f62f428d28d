using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace IpsecFw.Spd.Distribution;

/// <summary>
/// The signer's Ed25519 private key (the 32-byte RFC 8032 seed), kept by the administrator, never on hosts. The seed
/// lives in a pinned array (the garbage collector never leaves moved copies behind) that <see cref="Dispose"/> zeroes;
/// every temporary buffer holding it or its file encoding is zeroed after use. BouncyCastle keeps its own copy inside
/// the <see cref="Ed25519PrivateKeyParameters"/> made for each signature, which this code cannot zero; it is garbage
/// as soon as the signature is made. <see cref="ToString"/> shows only the key id; the key is never logged.
/// </summary>
public sealed class BundlePrivateKey : IDisposable
{
    /// <summary>The length of an Ed25519 private key (seed).</summary>
    public const int Length = 32;

    private readonly byte[] _seed;
    private bool _disposed;

    private BundlePrivateKey(ReadOnlySpan<byte> seed)
    {
        _seed = GC.AllocateArray<byte>(Length, pinned: true);
        seed.CopyTo(_seed);
        byte[] publicBytes = new Ed25519PrivateKeyParameters(_seed).GeneratePublicKey().GetEncoded();
        if (!BundlePublicKey.TryCreate(publicBytes, out BundlePublicKey? publicKey, out BundleError? error))
        {
            CryptographicOperations.ZeroMemory(_seed);
            throw new CryptographicException(error.Message);
        }

        PublicKey = publicKey;
    }

    /// <summary>The matching public key, which hosts trust.</summary>
    public BundlePublicKey PublicKey { get; }

    /// <summary>A new key pair from the operating system's random number generator.</summary>
    public static BundlePrivateKey Generate()
    {
        Span<byte> seed = stackalloc byte[Length];
        try
        {
            RandomNumberGenerator.Fill(seed);
            return new BundlePrivateKey(seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Makes a key from its 32-byte seed (copied; the caller zeroes its own buffer).</summary>
    public static BundlePrivateKey FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Length)
        {
            throw new ArgumentException($"an Ed25519 private key is {Length} bytes", nameof(seed));
        }

        return new BundlePrivateKey(seed);
    }

    /// <summary>
    /// Reads the bytes of a private key file (<c>-----BEGIN IPSECFW ED25519 PRIVATE KEY-----</c>, the seed in base64,
    /// <c>-----END IPSECFW ED25519 PRIVATE KEY-----</c>); never throws on bad input, never quotes the file.
    /// </summary>
    public static bool TryParseKeyFile(ReadOnlySpan<byte> text, [NotNullWhen(true)] out BundlePrivateKey? privateKey,
        [NotNullWhen(false)] out BundleError? error)
    {
        privateKey = null;
        Span<byte> seed = stackalloc byte[Length];
        try
        {
            if (!KeyFile.TryRead(text, KeyFile.PrivateLabel, seed, out error))
            {
                return false;
            }

            privateKey = new BundlePrivateKey(seed);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Reads a private key file from disk (the file's bytes are zeroed after parsing).</summary>
    public static bool TryReadFile(string path, [NotNullWhen(true)] out BundlePrivateKey? privateKey,
        [NotNullWhen(false)] out BundleError? error)
    {
        byte[] text;
        try
        {
            text = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            privateKey = null;
            error = new BundleError(BundleErrorKind.StorageFailed, $"cannot read the private key file '{path}': {e.Message}");
            return false;
        }

        try
        {
            return TryParseKeyFile(text, out privateKey, out error);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(text);
        }
    }

    /// <summary>
    /// The key file's bytes (a secret: the caller zeroes the array with
    /// <see cref="CryptographicOperations.ZeroMemory"/> when done).
    /// </summary>
    public byte[] ToKeyFile()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return KeyFile.Write(KeyFile.PrivateLabel, _seed);
    }

    /// <summary>
    /// Writes the key file to a new file at <paramref name="path"/>, readable and writable by its owner only (mode
    /// 0600 on Unix). Refuses to overwrite an existing file.
    /// </summary>
    public void WriteKeyFile(string path)
    {
        byte[] text = ToKeyFile();
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var stream = new FileStream(path, options);
            stream.Write(text);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(text);
        }
    }

    /// <summary>Zeroes the key.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_seed);
        _disposed = true;
    }

    /// <summary>The algorithm and key id only.</summary>
    public override string ToString() => $"Ed25519 private key for public key {PublicKey.KeyIdHex}";

    /// <summary>The pure Ed25519 signature (64 bytes) of <paramref name="message"/>.</summary>
    internal byte[] Sign(ReadOnlySpan<byte> message)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var signer = new Ed25519Signer();
        signer.Init(true, new Ed25519PrivateKeyParameters(_seed));
        signer.BlockUpdate(message);
        return signer.GenerateSignature();
    }
}
