using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Unicode;
using IpsecFw.Spd.Language;

namespace IpsecFw.Spd.Distribution;

/// <summary>
/// The compiled, versioned policy that <c>ipsecfw policy compile</c> writes and hosts load: the policy's canonical
/// source text in a small binary envelope. All integers are big-endian:
/// <code>
/// offset  size  field
///      0     4  magic "IFWP"
///      4     2  format version (1)
///      6     2  policy compiler version (<see cref="PolicyCompiler.CompilerVersion"/> of the compiler that accepted it)
///      8     4  source length N (at most <see cref="MaxSourceBytes"/>)
///     12    32  SHA-256 of the N source bytes
///     44     N  the source: UTF-8 without a byte-order mark, LF line ends (canonical)
/// </code>
/// The file is exactly 44 + N bytes. A host rebuilds the <see cref="Runtime.PolicySnapshot"/> by compiling the source
/// again (<see cref="Compile"/>). That is sound because the compiler is a pure, deterministic function of the source
/// text (no clock, culture, environment or randomness) and is versioned: the administrator's compiler accepted exactly
/// these bytes, and a host whose compiler is of that version or a later, compatible one (see
/// <see cref="PolicyCompiler.CompilerVersion"/>) gets the same snapshot; a host refuses newer formats and newer
/// compilers rather than guess. Shipping source rather than the compiled tables keeps the format small, readable
/// (<c>tail -c +45</c> shows the policy) and free of a second, hand-written serialiser that could disagree with the
/// compiler.
/// </summary>
public sealed class CompiledPolicy
{
    /// <summary>The envelope's format version that this code writes and the newest it reads.</summary>
    public const ushort FormatVersion = 1;

    /// <summary>The largest source accepted, in bytes (8 MiB: about 100,000 rules).</summary>
    public const int MaxSourceBytes = 8 * 1024 * 1024;

    /// <summary>The length of the fixed header before the source.</summary>
    public const int HeaderLength = 44;

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private readonly byte[] _encoded;

    private CompiledPolicy(string source, ushort compilerVersion, byte[] encoded)
    {
        Source = source;
        CompilerVersion = compilerVersion;
        _encoded = encoded;
    }

    /// <summary>The canonical policy source.</summary>
    public string Source { get; }

    /// <summary>The version of the policy compiler that accepted the source.</summary>
    public ushort CompilerVersion { get; }

    /// <summary>The SHA-256 of the source's UTF-8 bytes, as recorded in the header.</summary>
    public ReadOnlySpan<byte> SourceSha256 => _encoded.AsSpan(12, 32);

    /// <summary>The SHA-256 of the source in lower-case hex (to compare with <c>sha256sum</c> of the source).</summary>
    public string SourceSha256Hex => Convert.ToHexStringLower(SourceSha256);

    /// <summary>The encoded file, as <see cref="TryLoad"/> reads it.</summary>
    public ReadOnlySpan<byte> Encoded => _encoded;

    internal static ReadOnlySpan<byte> Magic => "IFWP"u8;

    /// <summary>
    /// The canonical form of a source text: leading byte-order marks removed, CR LF line ends turned into LF (a lone
    /// CR is whitespace to the lexer and stays). Neither change alters what the source means.
    /// </summary>
    public static string Canonicalize(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.TrimStart('\uFEFF').Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>
    /// Canonicalises and compiles <paramref name="source"/>; when it compiles (warnings allowed), returns the compiled
    /// policy of its canonical text, otherwise null. <paramref name="result"/> holds the diagnostics either way.
    /// </summary>
    /// <exception cref="ArgumentException">The source is larger than <see cref="MaxSourceBytes"/>.</exception>
    public static CompiledPolicy? FromSource(string source, string file, out CompileResult result)
    {
        ArgumentNullException.ThrowIfNull(source);
        byte[] utf8 = s_utf8.GetBytes(Canonicalize(source));
        if (utf8.Length > MaxSourceBytes)
        {
            throw new ArgumentException(
                $"the policy source is {utf8.Length} bytes; the compiled format holds at most {MaxSourceBytes}", nameof(source));
        }

        // Decoding the bytes again makes the text exactly what a host will read (a lone surrogate becomes U+FFFD).
        string canonical = s_utf8.GetString(utf8);
        result = PolicyCompiler.Compile(canonical, file);
        if (!result.Succeeded)
        {
            return null;
        }

        var encoded = new byte[HeaderLength + utf8.Length];
        Magic.CopyTo(encoded);
        BinaryPrimitives.WriteUInt16BigEndian(encoded.AsSpan(4), FormatVersion);
        BinaryPrimitives.WriteUInt16BigEndian(encoded.AsSpan(6), PolicyCompiler.CompilerVersion);
        BinaryPrimitives.WriteUInt32BigEndian(encoded.AsSpan(8), (uint)utf8.Length);
        SHA256.HashData(utf8, encoded.AsSpan(12, 32));
        utf8.CopyTo(encoded.AsSpan(HeaderLength));
        return new CompiledPolicy(canonical, PolicyCompiler.CompilerVersion, encoded);
    }

    /// <summary>
    /// Reads a compiled policy. Never throws on bad input: a malformed, non-canonical, altered (hash mismatch) or
    /// too-new file gives false and a typed <paramref name="error"/> with a plain message. The source is not compiled
    /// here; <see cref="Compile"/> does that.
    /// </summary>
    public static bool TryLoad(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out CompiledPolicy? policy,
        [NotNullWhen(false)] out BundleError? error)
    {
        policy = null;
        error = Validate(bytes, out ushort compilerVersion, out ReadOnlySpan<byte> source);
        if (error is not null)
        {
            return false;
        }

        policy = new CompiledPolicy(s_utf8.GetString(source), compilerVersion, bytes.ToArray());
        return true;
    }

    /// <summary>
    /// Compiles the source with this host's compiler. <paramref name="version"/> becomes the snapshot's
    /// <see cref="Runtime.PolicySnapshot.Version"/>.
    /// </summary>
    public CompileResult Compile(long version = 1, string file = "policy") => PolicyCompiler.Compile(Source, file, version);

    /// <summary>The format, compiler version, size and hash, for logs.</summary>
    public override string ToString() =>
        $"compiled policy (format {FormatVersion}, compiler {CompilerVersion}, {_encoded.Length - HeaderLength} bytes of source, sha256 {SourceSha256Hex})";

    private static BundleError? Validate(ReadOnlySpan<byte> bytes, out ushort compilerVersion, out ReadOnlySpan<byte> source)
    {
        compilerVersion = 0;
        source = default;
        if (bytes.Length < HeaderLength)
        {
            return BundleError.Malformed(
                $"{bytes.Length} bytes is too short for a compiled policy (its header alone is {HeaderLength} bytes)");
        }

        if (!bytes.StartsWith(Magic))
        {
            return BundleError.Malformed("not a compiled IpsecFw policy (it does not start with \"IFWP\")");
        }

        ushort format = BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]);
        if (format == 0)
        {
            return BundleError.Malformed("compiled policy format version 0 does not exist");
        }

        if (format > FormatVersion)
        {
            return new BundleError(BundleErrorKind.Unsupported,
                $"compiled policy format version {format} is newer than this host reads (up to {FormatVersion}); upgrade IpsecFw on this host");
        }

        compilerVersion = BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]);
        if (compilerVersion == 0)
        {
            return BundleError.Malformed("policy compiler version 0 does not exist");
        }

        if (compilerVersion > PolicyCompiler.CompilerVersion)
        {
            return new BundleError(BundleErrorKind.Unsupported,
                $"the policy was compiled by policy compiler version {compilerVersion}, newer than this host's ({PolicyCompiler.CompilerVersion}); upgrade IpsecFw on this host");
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]);
        if (length > MaxSourceBytes)
        {
            return BundleError.Malformed($"the source length field says {length} bytes, over the limit of {MaxSourceBytes}");
        }

        if (bytes.Length - HeaderLength != length)
        {
            return BundleError.Malformed(
                $"the source length field says {length} bytes but {bytes.Length - HeaderLength} follow the header");
        }

        source = bytes[HeaderLength..];
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(source, hash);
        if (!CryptographicOperations.FixedTimeEquals(hash, bytes.Slice(12, 32)))
        {
            return BundleError.Malformed("the source does not match the SHA-256 recorded in the header (the file was altered)");
        }

        if (!Utf8.IsValid(source))
        {
            return BundleError.Malformed("the source is not valid UTF-8");
        }

        if (source.StartsWith("\uFEFF"u8) || source.IndexOf("\r\n"u8) >= 0)
        {
            return BundleError.Malformed("the source is not canonical (it has a byte-order mark or CR LF line ends)");
        }

        return null;
    }
}
