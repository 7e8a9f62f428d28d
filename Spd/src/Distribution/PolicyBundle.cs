using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace IpsecFw.Spd.Distribution;

/// <summary>
/// A signed policy bundle: a <see cref="CompiledPolicy"/> with a serial, an issue time, an expiry and the signer's key
/// id, signed with Ed25519 or ECDSA P-256. Binary, all integers big-endian:
/// <code>
/// offset  size  field
///      0     4  magic "IFWB"
///      4     2  bundle format version (1)
///      6     2  signature algorithm (1 = Ed25519, RFC 8032 pure; 2 = ECDSA P-256 with SHA-256, DER signature)
///      8     8  serial (unsigned, at least 1; each new bundle has a greater one)
///     16     8  issued at, Unix seconds UTC
///     24     8  expires at, Unix seconds UTC (after issued at)
///     32     8  key id: the first 8 bytes of the SHA-256 of the signer's 32-byte public key
///     40     4  policy length M
///     44     M  the compiled policy (<see cref="CompiledPolicy"/>, "IFWP")
///   44+M     2  signature length S (64 for Ed25519, 8 to 72 for ECDSA; 0 = unsigned)
///   46+M     S  the signature
/// </code>
/// The bundle is exactly 46 + M + S bytes. The signature covers bytes 0 to 44+M: every field except the signature
/// itself, in this one canonical encoding (there is no other way to write the same values). Obtain one from
/// <see cref="BundleSigner.Sign"/>, or check one with <see cref="BundleVerifier.Verify"/>; <see cref="TryDecode"/> only
/// reads it (for inspection) and checks no signature.
/// </summary>
public sealed class PolicyBundle
{
    /// <summary>The bundle format version that this code writes and the newest it reads.</summary>
    public const ushort FormatVersion = 1;

    /// <summary>The signature algorithm number of pure Ed25519.</summary>
    public const ushort Ed25519Algorithm = 1;

    /// <summary>The signature algorithm number of ECDSA P-256 with SHA-256 (<see cref="BundleAlgorithm.EcdsaP256"/>).</summary>
    public const ushort EcdsaP256Algorithm = 2;

    /// <summary>The length of an Ed25519 signature.</summary>
    public const int SignatureLength = 64;

    /// <summary>The longest DER ECDSA P-256 signature (a SEQUENCE of two INTEGERs of up to 33 bytes).</summary>
    public const int MaxEcdsaSignatureLength = 72;

    private readonly byte[] _encoded;
    private readonly BundleLayout _layout;

    private PolicyBundle(byte[] encoded, BundleLayout layout, CompiledPolicy policy)
    {
        _encoded = encoded;
        _layout = layout;
        Policy = policy;
    }

    /// <summary>The serial: a host accepts only a bundle whose serial is greater than the last it accepted.</summary>
    public ulong Serial => _layout.Serial;

    /// <summary>When the bundle was signed (whole seconds, UTC).</summary>
    public DateTimeOffset IssuedAt => DateTimeOffset.FromUnixTimeSeconds(_layout.IssuedAtSeconds);

    /// <summary>When the bundle stops being accepted (whole seconds, UTC).</summary>
    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeSeconds(_layout.ExpiresAtSeconds);

    /// <summary>The signature algorithm named in the header.</summary>
    public BundleAlgorithm Algorithm => _layout.Algorithm;

    /// <summary>The id of the key that signed it (see <see cref="BundlePublicKey.KeyId"/>).</summary>
    public ulong KeyId => _layout.KeyId;

    /// <summary>The compiled policy it carries.</summary>
    public CompiledPolicy Policy { get; }

    /// <summary>False when the bundle carries no signature (which every host refuses).</summary>
    public bool IsSigned => _layout.SignatureLength > 0;

    /// <summary>The signature.</summary>
    public ReadOnlySpan<byte> Signature => _encoded.AsSpan(_layout.SignatureOffset, _layout.SignatureLength);

    /// <summary>The whole encoded bundle, as hosts receive it.</summary>
    public ReadOnlySpan<byte> Encoded => _encoded;

    /// <summary>
    /// Reads a bundle's fields and its compiled policy WITHOUT checking the signature, the key, the times or the
    /// serial (for tools that show a bundle; hosts use <see cref="BundleVerifier.Verify"/>). Never throws on bad input.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out PolicyBundle? bundle,
        [NotNullWhen(false)] out BundleError? error)
    {
        bundle = null;
        if (!BundleLayout.TryRead(bytes, out BundleLayout layout, out error))
        {
            return false;
        }

        return TryDecodeContent(bytes, layout, out bundle, out error);
    }

    /// <summary>The serial, times, key id and policy hash, for logs.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"bundle serial {Serial}, issued {BundleVerifier.Time(IssuedAt)}, expires {BundleVerifier.Time(ExpiresAt)}, key {KeyId:x16}, policy sha256 {Policy.SourceSha256Hex}");

    /// <summary>The content checks and the policy, once the framing is known (and, for hosts, the signature checked).</summary>
    internal static bool TryDecodeContent(ReadOnlySpan<byte> bytes, BundleLayout layout,
        [NotNullWhen(true)] out PolicyBundle? bundle, [NotNullWhen(false)] out BundleError? error)
    {
        bundle = null;
        error = layout.CheckContent();
        if (error is not null)
        {
            return false;
        }

        if (!CompiledPolicy.TryLoad(bytes.Slice(BundleLayout.HeaderLength, layout.PolicyLength), out CompiledPolicy? policy,
            out BundleError? inner))
        {
            error = inner with { Message = "the bundle's policy: " + inner.Message };
            return false;
        }

        bundle = new PolicyBundle(bytes.ToArray(), layout, policy);
        return true;
    }

    /// <summary>
    /// Encodes the fields and the policy with a placeholder for a signature of <paramref name="signatureLength"/>
    /// bytes; returns the buffer and the length of the part to sign. The caller writes the signature after it.
    /// </summary>
    internal static (byte[] Buffer, int SignedLength) EncodeForSigning(BundleAlgorithm algorithm, ulong serial, long issuedAtSeconds,
        long expiresAtSeconds, ulong keyId, CompiledPolicy policy, int signatureLength)
    {
        ReadOnlySpan<byte> inner = policy.Encoded;
        int signedLength = BundleLayout.HeaderLength + inner.Length;
        var buffer = new byte[signedLength + BundleLayout.TrailerLength + signatureLength];
        Span<byte> b = buffer;
        BundleLayout.Magic.CopyTo(b);
        BinaryPrimitives.WriteUInt16BigEndian(b[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16BigEndian(b[6..], (ushort)algorithm);
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], serial);
        BinaryPrimitives.WriteInt64BigEndian(b[16..], issuedAtSeconds);
        BinaryPrimitives.WriteInt64BigEndian(b[24..], expiresAtSeconds);
        BinaryPrimitives.WriteUInt64BigEndian(b[32..], keyId);
        BinaryPrimitives.WriteUInt32BigEndian(b[40..], (uint)inner.Length);
        inner.CopyTo(b[BundleLayout.HeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(b[signedLength..], (ushort)signatureLength);
        return (buffer, signedLength);
    }
}
