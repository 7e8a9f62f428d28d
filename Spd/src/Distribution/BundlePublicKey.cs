using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace IpsecFw.Spd.Distribution;

/// <summary>
/// The signer's public key, Ed25519 or ECDSA P-256 (<see cref="Algorithm"/>), which every host holds in a root-owned
/// file (format: <see cref="ToKeyFile"/>). Immutable and thread-safe.
/// </summary>
public sealed class BundlePublicKey
{
    /// <summary>The length of an Ed25519 public key.</summary>
    public const int Length = 32;

    /// <summary>The length of an uncompressed P-256 point (SEC 1 2.3.3: 0x04, X, Y).</summary>
    public const int EcdsaLength = 65;

    private readonly byte[] _key;
    private readonly Ed25519PublicKeyParameters? _parameters;

    private BundlePublicKey(byte[] key, Ed25519PublicKeyParameters? parameters, BundleAlgorithm algorithm)
    {
        _key = key;
        _parameters = parameters;
        Algorithm = algorithm;
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(key, hash);
        KeyId = BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>The key's bytes: 32 (RFC 8032 encoding) for Ed25519, 65 (uncompressed point) for ECDSA P-256.</summary>
    public ReadOnlySpan<byte> Bytes => _key;

    /// <summary>The signature algorithm of this key.</summary>
    public BundleAlgorithm Algorithm { get; }

    /// <summary>The algorithm's name, for messages.</summary>
    public string AlgorithmName => Name(Algorithm);

    /// <summary>The key id that bundles carry: the first 8 bytes of the SHA-256 of <see cref="Bytes"/>, big-endian.</summary>
    public ulong KeyId { get; }

    /// <summary><see cref="KeyId"/> as 16 hex digits.</summary>
    public string KeyIdHex => KeyId.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Makes a key from its 32 bytes; false (and a <see cref="BundleErrorKind.MalformedKey"/>) when they are not a valid point.</summary>
    public static bool TryCreate(ReadOnlySpan<byte> key, [NotNullWhen(true)] out BundlePublicKey? publicKey,
        [NotNullWhen(false)] out BundleError? error)
    {
        publicKey = null;
        if (key.Length != Length)
        {
            error = new BundleError(BundleErrorKind.MalformedKey, $"an Ed25519 public key is {Length} bytes, not {key.Length}");
            return false;
        }

        Ed25519PublicKeyParameters parameters;
        try
        {
            parameters = new Ed25519PublicKeyParameters(key);
        }
        catch (ArgumentException)
        {
            error = new BundleError(BundleErrorKind.MalformedKey, "the public key is not a valid Ed25519 point");
            return false;
        }

        publicKey = new BundlePublicKey(key.ToArray(), parameters, BundleAlgorithm.Ed25519);
        error = null;
        return true;
    }

    /// <summary>
    /// Makes a key of <paramref name="algorithm"/> from its bytes (for ECDSA P-256 the 65-byte uncompressed point,
    /// which must lie on the curve); false and a <see cref="BundleErrorKind.MalformedKey"/> otherwise.
    /// </summary>
    public static bool TryCreate(BundleAlgorithm algorithm, ReadOnlySpan<byte> key, [NotNullWhen(true)] out BundlePublicKey? publicKey,
        [NotNullWhen(false)] out BundleError? error)
    {
        if (algorithm == BundleAlgorithm.Ed25519)
        {
            return TryCreate(key, out publicKey, out error);
        }

        publicKey = null;
        if (algorithm != BundleAlgorithm.EcdsaP256)
        {
            error = new BundleError(BundleErrorKind.MalformedKey, $"signature algorithm {(int)algorithm} is unknown");
            return false;
        }

        if (key.Length != EcdsaLength || key[0] != 0x04)
        {
            error = new BundleError(BundleErrorKind.MalformedKey,
                $"an ECDSA P-256 public key is the {EcdsaLength}-byte uncompressed point (0x04, X, Y), not {key.Length} bytes");
            return false;
        }

        try
        {
            using ECDsa ec = ECDsa.Create(EcParameters(key));
        }
        catch (CryptographicException)
        {
            error = new BundleError(BundleErrorKind.MalformedKey, "the public key is not a point on the P-256 curve");
            return false;
        }

        publicKey = new BundlePublicKey(key.ToArray(), null, BundleAlgorithm.EcdsaP256);
        error = null;
        return true;
    }

    /// <summary>
    /// Reads the text of a public key file (see <see cref="ToKeyFile"/>), of either algorithm (its header says which);
    /// never throws on bad input.
    /// </summary>
    public static bool TryParseKeyFile(string? text, [NotNullWhen(true)] out BundlePublicKey? publicKey,
        [NotNullWhen(false)] out BundleError? error)
    {
        publicKey = null;
        byte[] bytes = Encoding.UTF8.GetBytes(text ?? "");
        BundleAlgorithm algorithm = KeyFile.Detect(bytes);
        Span<byte> key = stackalloc byte[algorithm == BundleAlgorithm.EcdsaP256 ? EcdsaLength : Length];
        return KeyFile.TryRead(bytes, KeyFile.Label(algorithm, isPrivate: false), key, out error)
            && TryCreate(algorithm, key, out publicKey, out error);
    }

    /// <summary>
    /// Reads a public key file from disk. An unreadable file is a <see cref="BundleErrorKind.StorageFailed"/>; on Unix,
    /// a file that its group or others may write is refused (<see cref="BundleErrorKind.InsecureKeyFile"/>): whoever
    /// can replace the trusted key can sign any policy for this host.
    /// </summary>
    public static bool TryReadFile(string path, [NotNullWhen(true)] out BundlePublicKey? publicKey,
        [NotNullWhen(false)] out BundleError? error)
    {
        string text;
        try
        {
            if (!OperatingSystem.IsWindows()
                && (File.GetUnixFileMode(path) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
            {
                publicKey = null;
                error = new BundleError(BundleErrorKind.InsecureKeyFile,
                    $"the public key file '{path}' is writable by its group or others; make it writable by its owner (root) only");
                return false;
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            publicKey = null;
            error = new BundleError(BundleErrorKind.StorageFailed, $"cannot read the public key file '{path}': {e.Message}");
            return false;
        }

        return TryParseKeyFile(text, out publicKey, out error);
    }

    /// <summary>
    /// The key file text: <c>-----BEGIN IPSECFW ED25519 PUBLIC KEY-----</c> (or <c>IPSECFW ECDSA-P256 PUBLIC KEY</c>),
    /// the key bytes in base64, and the matching <c>-----END ...-----</c> line, each on its own line.
    /// </summary>
    public string ToKeyFile() => Encoding.ASCII.GetString(KeyFile.Write(KeyFile.Label(Algorithm, isPrivate: false), _key));

    /// <summary>The algorithm and key id.</summary>
    public override string ToString() => $"{AlgorithmName} public key {KeyIdHex}";

    internal static string Name(BundleAlgorithm algorithm) => algorithm == BundleAlgorithm.EcdsaP256 ? "ECDSA P-256" : "Ed25519";

    /// <summary>The curve and point of an uncompressed P-256 public key (no private part).</summary>
    internal static ECParameters EcParameters(ReadOnlySpan<byte> point) => new()
    {
        Curve = ECCurve.NamedCurves.nistP256,
        Q = new ECPoint { X = point.Slice(1, 32).ToArray(), Y = point.Slice(33, 32).ToArray() },
    };

    /// <summary>
    /// True when <paramref name="signature"/> is this key's signature of <paramref name="message"/>: pure Ed25519, or
    /// ECDSA P-256 with SHA-256 in DER (RFC 3279 2.2.3). Never throws on a malformed signature.
    /// </summary>
    internal bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (Algorithm == BundleAlgorithm.EcdsaP256)
        {
            try
            {
                using ECDsa ec = ECDsa.Create(EcParameters(_key));
                return ec.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            }
            catch (CryptographicException)
            {
                return false;
            }
        }

        if (signature.Length != Ed25519PrivateKeyParameters.SignatureSize)
        {
            return false;
        }

        var verifier = new Ed25519Signer();
        verifier.Init(false, _parameters);
        verifier.BlockUpdate(message);
        return verifier.VerifySignature(signature.ToArray());
    }
}
