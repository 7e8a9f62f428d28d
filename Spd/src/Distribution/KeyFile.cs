using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace IpsecFw.Spd.Distribution;

/// <summary>
/// The key file format: PEM-like ASCII, a header line that names the algorithm, the key's raw bytes in base64 (32 for
/// Ed25519 keys and ECDSA P-256 private scalars, 65 for an uncompressed P-256 public point) and a footer line, e.g.
/// <code>
/// -----BEGIN IPSECFW ED25519 PUBLIC KEY-----
/// 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=
/// -----END IPSECFW ED25519 PUBLIC KEY-----
/// </code>
/// Whitespace (blank lines, CR LF) around and inside the base64 is tolerated; anything else is refused. Works on bytes,
/// never on strings, so that the private key's encodings live only in buffers that are zeroed after use.
/// </summary>
internal static class KeyFile
{
    public const string PublicLabel = "IPSECFW ED25519 PUBLIC KEY";
    public const string PrivateLabel = "IPSECFW ED25519 PRIVATE KEY";
    public const string EcdsaPublicLabel = "IPSECFW ECDSA-P256 PUBLIC KEY";
    public const string EcdsaPrivateLabel = "IPSECFW ECDSA-P256 PRIVATE KEY";
    public const int KeyLength = 32;

    /// <summary>The header label of a key file of <paramref name="algorithm"/>.</summary>
    public static string Label(BundleAlgorithm algorithm, bool isPrivate) => (algorithm, isPrivate) switch
    {
        (BundleAlgorithm.EcdsaP256, false) => EcdsaPublicLabel,
        (BundleAlgorithm.EcdsaP256, true) => EcdsaPrivateLabel,
        (_, false) => PublicLabel,
        _ => PrivateLabel,
    };

    /// <summary>The algorithm a key file's header names (Ed25519 when it names none we know; the parse then says why).</summary>
    public static BundleAlgorithm Detect(ReadOnlySpan<byte> text) =>
        text.IndexOf("-----BEGIN IPSECFW ECDSA-P256 "u8) >= 0 ? BundleAlgorithm.EcdsaP256 : BundleAlgorithm.Ed25519;

    private static int Base64LengthOf(int bytes) => (bytes + 2) / 3 * 4;

    /// <summary>The file's bytes for <paramref name="key"/>; the caller zeroes the result when it holds a secret.</summary>
    public static byte[] Write(string label, ReadOnlySpan<byte> key)
    {
        int base64Length = Base64LengthOf(key.Length);
        byte[] begin = Encoding.ASCII.GetBytes($"-----BEGIN {label}-----\n");
        byte[] end = Encoding.ASCII.GetBytes($"\n-----END {label}-----\n");
        byte[] file = GC.AllocateArray<byte>(begin.Length + base64Length + end.Length, pinned: true);
        begin.CopyTo(file, 0);
        Base64.EncodeToUtf8(key, file.AsSpan(begin.Length, base64Length), out _, out _);
        end.CopyTo(file, begin.Length + base64Length);
        return file;
    }

    /// <summary>
    /// Decodes a key file of the given label into <paramref name="key"/> (exactly its length; left zeroed on failure). The messages never quote the file's content.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> text, string label, Span<byte> key, [NotNullWhen(false)] out BundleError? error)
    {
        key.Clear();
        string what = label is PrivateLabel or EcdsaPrivateLabel ? "private key file" : "public key file";
        string algorithm = label.StartsWith("IPSECFW ECDSA", StringComparison.Ordinal) ? "ECDSA P-256" : "Ed25519";
        int keyLength = key.Length;
        int base64Length = Base64LengthOf(keyLength);
        byte[] begin = Encoding.ASCII.GetBytes($"-----BEGIN {label}-----");
        byte[] end = Encoding.ASCII.GetBytes($"-----END {label}-----");
        ReadOnlySpan<byte> trimmed = text.Trim(" \t\r\n"u8);
        if (trimmed.Length < begin.Length + end.Length || !trimmed.StartsWith(begin) || !trimmed.EndsWith(end))
        {
            error = new BundleError(BundleErrorKind.MalformedKey,
                $"not an IpsecFw {what}: expected a '-----BEGIN {label}-----' line, the key in base64, and a '-----END {label}-----' line");
            return false;
        }

        ReadOnlySpan<byte> body = trimmed[begin.Length..^end.Length];
        Span<byte> chars = stackalloc byte[base64Length];
        Span<byte> decoded = stackalloc byte[keyLength + 3];
        try
        {
            int n = 0;
            bool fits = true;
            foreach (byte b in body)
            {
                if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
                {
                    continue;
                }

                if (n == chars.Length)
                {
                    fits = false;
                    break;
                }

                chars[n++] = b;
            }

            if (!fits || n != base64Length
                || Base64.DecodeFromUtf8(chars, decoded, out int consumed, out int written) != OperationStatus.Done
                || consumed != base64Length || written != keyLength)
            {
                error = new BundleError(BundleErrorKind.MalformedKey,
                    $"the {what} does not hold a {keyLength}-byte {algorithm} key in base64 between its header and footer lines");
                return false;
            }

            decoded[..keyLength].CopyTo(key);
            error = null;
            return true;
        }
        finally
        {
            chars.Clear();
            decoded.Clear();
        }
    }
}
