using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace IpsecFw.Spd.Distribution;

/// <summary>
/// The signer's Ed25519 public key, which every host holds in a root-owned file (format: <see cref="ToKeyFile"/>).
/// Immutable and thread-safe.
/// </summary>
public sealed class BundlePublicKey
{
    /// <summary>The length of an Ed25519 public key.</summary>
    public const int Length = 32;

    private readonly byte[] _key;
    private readonly Ed25519PublicKeyParameters _parameters;

    private BundlePublicKey(byte[] key, Ed25519PublicKeyParameters parameters)
    {
        _key = key;
        _parameters = parameters;
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(key, hash);
        KeyId = BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>The key's 32 bytes (RFC 8032 encoding).</summary>
    public ReadOnlySpan<byte> Bytes => _key;

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

        publicKey = new BundlePublicKey(key.ToArray(), parameters);
        error = null;
        return true;
    }

    /// <summary>Reads the text of a public key file (see <see cref="ToKeyFile"/>); never throws on bad input.</summary>
    public static bool TryParseKeyFile(string? text, [NotNullWhen(true)] out BundlePublicKey? publicKey,
        [NotNullWhen(false)] out BundleError? error)
    {
        publicKey = null;
        Span<byte> key = stackalloc byte[Length];
        return KeyFile.TryRead(Encoding.UTF8.GetBytes(text ?? ""), KeyFile.PublicLabel, key, out error)
            && TryCreate(key, out publicKey, out error);
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
    /// The key file text: <c>-----BEGIN IPSECFW ED25519 PUBLIC KEY-----</c>, the 32 key bytes in base64, and
    /// <c>-----END IPSECFW ED25519 PUBLIC KEY-----</c>, each on its own line.
    /// </summary>
    public string ToKeyFile() => Encoding.ASCII.GetString(KeyFile.Write(KeyFile.PublicLabel, _key));

    /// <summary>The algorithm and key id.</summary>
    public override string ToString() => $"Ed25519 public key {KeyIdHex}";

    /// <summary>True when <paramref name="signature"/> is this key's Ed25519 signature of <paramref name="message"/>.</summary>
    internal bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
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
