using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace IpsecFw.Spd.Distribution;

/// <summary>
/// The signer's private key, kept by the administrator, never on hosts: an Ed25519 key (the 32-byte RFC 8032 seed) or
/// an ECDSA P-256 key (the 32-byte private scalar d). The secret lives in a pinned array (the garbage collector never leaves moved copies behind) that <see cref="Dispose"/> zeroes;
/// every temporary buffer holding it or its file encoding is zeroed after use. BouncyCastle keeps its own copy inside
/// the <see cref="Ed25519PrivateKeyParameters"/> made for each signature, which this code cannot zero; it is garbage
/// as soon as the signature is made. <see cref="ToString"/> shows only the key id; the key is never logged.
/// </summary>
public sealed class BundlePrivateKey : IDisposable
{
    /// <summary>The length of an Ed25519 private key (seed) and of an ECDSA P-256 private scalar.</summary>
    public const int Length = 32;

    private readonly byte[] _seed;
    private bool _disposed;

    private BundlePrivateKey(ReadOnlySpan<byte> seed, BundleAlgorithm algorithm = BundleAlgorithm.Ed25519)
    {
        _seed = GC.AllocateArray<byte>(Length, pinned: true);
        seed.CopyTo(_seed);
        Algorithm = algorithm;
        BundleError? error;
        BundlePublicKey? publicKey;
        if (algorithm == BundleAlgorithm.EcdsaP256)
        {
            byte[]? point = EcdsaPublicPoint(_seed);
            publicKey = null;
            error = point is null ? new BundleError(BundleErrorKind.MalformedKey, "the private scalar is not a valid P-256 key") : null;
            if (point is not null && !BundlePublicKey.TryCreate(BundleAlgorithm.EcdsaP256, point, out publicKey, out error))
            {
                publicKey = null;
            }
        }
        else
        {
            byte[] publicBytes = new Ed25519PrivateKeyParameters(_seed).GeneratePublicKey().GetEncoded();
            _ = BundlePublicKey.TryCreate(publicBytes, out publicKey, out error);
        }

        if (publicKey is null)
        {
            CryptographicOperations.ZeroMemory(_seed);
            throw new CryptographicException(error?.Message ?? "the private key is not valid");
        }

        PublicKey = publicKey;
    }

    /// <summary>The matching public key, which hosts trust.</summary>
    public BundlePublicKey PublicKey { get; }

    /// <summary>The signature algorithm of this key.</summary>
    public BundleAlgorithm Algorithm { get; }

    /// <summary>A new Ed25519 key pair from the operating system's random number generator.</summary>
    public static BundlePrivateKey Generate() => Generate(BundleAlgorithm.Ed25519);

    /// <summary>A new key pair of <paramref name="algorithm"/> from the operating system's random number generator.</summary>
    public static BundlePrivateKey Generate(BundleAlgorithm algorithm)
    {
        if (algorithm == BundleAlgorithm.EcdsaP256)
        {
            using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            ECParameters parameters = ec.ExportParameters(includePrivateParameters: true);
            try
            {
                return FromEcdsaScalar(parameters.D);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(parameters.D);
            }
        }

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

    /// <summary>Makes an ECDSA P-256 key from its 32-byte private scalar d, big-endian (copied; the caller zeroes its own buffer).</summary>
    /// <exception cref="ArgumentException">Not 32 bytes.</exception>
    /// <exception cref="CryptographicException">Not a valid scalar (0, or not below the group order).</exception>
    public static BundlePrivateKey FromEcdsaScalar(ReadOnlySpan<byte> d)
    {
        if (d.Length != Length)
        {
            throw new ArgumentException($"an ECDSA P-256 private key is {Length} bytes", nameof(d));
        }

        return new BundlePrivateKey(d, BundleAlgorithm.EcdsaP256);
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
    /// <c>-----END IPSECFW ED25519 PRIVATE KEY-----</c>; or the same with <c>ECDSA-P256</c> and the scalar); never
    /// throws on bad input, never quotes the file.
    /// </summary>
    public static bool TryParseKeyFile(ReadOnlySpan<byte> text, [NotNullWhen(true)] out BundlePrivateKey? privateKey,
        [NotNullWhen(false)] out BundleError? error)
    {
        privateKey = null;
        Span<byte> seed = stackalloc byte[Length];
        try
        {
            BundleAlgorithm algorithm = KeyFile.Detect(text);
            if (!KeyFile.TryRead(text, KeyFile.Label(algorithm, isPrivate: true), seed, out error))
            {
                return false;
            }

            try
            {
                privateKey = new BundlePrivateKey(seed, algorithm);
            }
            catch (CryptographicException)
            {
                error = new BundleError(BundleErrorKind.MalformedKey, "the private key file does not hold a valid ECDSA P-256 key");
                return false;
            }

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
        return KeyFile.Write(KeyFile.Label(Algorithm, isPrivate: true), _seed);
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

    /// <summary>The uncompressed public point of the P-256 scalar <paramref name="d"/>, or null when it is not a valid key.</summary>
    private static byte[]? EcdsaPublicPoint(byte[] d)
    {
        byte[] copy = GC.AllocateArray<byte>(Length, pinned: true);
        d.CopyTo(copy, 0);
        try
        {
            using ECDsa ec = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = copy });
            ECParameters exported = ec.ExportParameters(includePrivateParameters: false);
            byte[] point = new byte[BundlePublicKey.EcdsaLength];
            point[0] = 0x04;
            exported.Q.X!.CopyTo(point, 1);
            exported.Q.Y!.CopyTo(point, 33);
            return point;
        }
        catch (CryptographicException)
        {
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }
    }

    /// <summary>Zeroes the key.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_seed);
        _disposed = true;
    }

    /// <summary>The algorithm and key id only.</summary>
    public override string ToString() => $"{PublicKey.AlgorithmName} private key for public key {PublicKey.KeyIdHex}";

    /// <summary>
    /// The signature of <paramref name="message"/>: pure Ed25519 (64 bytes), or ECDSA P-256 with SHA-256 in DER
    /// (RFC 3279 2.2.3, at most 72 bytes).
    /// </summary>
    internal byte[] Sign(ReadOnlySpan<byte> message)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Algorithm == BundleAlgorithm.EcdsaP256)
        {
            ECParameters parameters = BundlePublicKey.EcParameters(PublicKey.Bytes);
            parameters.D = GC.AllocateArray<byte>(Length, pinned: true);
            _seed.CopyTo(parameters.D, 0);
            try
            {
                using ECDsa ec = ECDsa.Create(parameters);
                return ec.SignData(message, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(parameters.D);
            }
        }

        var signer = new Ed25519Signer();
        signer.Init(true, new Ed25519PrivateKeyParameters(_seed));
        signer.BlockUpdate(message);
        return signer.GenerateSignature();
    }
}
