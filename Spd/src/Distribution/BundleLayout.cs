using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace IpsecFw.Spd.Distribution;

/// <summary>
/// The fixed fields of an encoded <see cref="PolicyBundle"/> and where its parts lie, read without trusting anything:
/// every length is checked against the bytes that are actually there. See <see cref="PolicyBundle"/> for the layout.
/// </summary>
internal readonly record struct BundleLayout(
    ulong Serial, long IssuedAtSeconds, long ExpiresAtSeconds, ulong KeyId, int PolicyLength, int SignatureLength,
    BundleAlgorithm Algorithm = BundleAlgorithm.Ed25519)
{
    public const int HeaderLength = 44;
    public const int TrailerLength = 2;
    public const int MinimumLength = HeaderLength + TrailerLength;

    /// <summary>The largest Unix time a <see cref="DateTimeOffset"/> can hold (9999-12-31T23:59:59Z).</summary>
    public const long MaxUnixSeconds = 253_402_300_799;

    /// <summary>The bytes the signature covers: everything before the signature-length field.</summary>
    public int SignedLength => HeaderLength + PolicyLength;

    public int SignatureOffset => SignedLength + TrailerLength;

    public static ReadOnlySpan<byte> Magic => "IFWB"u8;

    /// <summary>Reads the framing: magic, format version, signature algorithm, lengths. Never throws.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out BundleLayout layout, [NotNullWhen(false)] out BundleError? error)
    {
        layout = default;
        if (bytes.Length < MinimumLength)
        {
            error = BundleError.Malformed(
                $"{bytes.Length} bytes is too short for a policy bundle (at least {MinimumLength} bytes)");
            return false;
        }

        if (!bytes.StartsWith(Magic))
        {
            error = BundleError.Malformed("not an IpsecFw policy bundle (it does not start with \"IFWB\")");
            return false;
        }

        ushort format = BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]);
        if (format == 0)
        {
            error = BundleError.Malformed("bundle format version 0 does not exist");
            return false;
        }

        if (format > PolicyBundle.FormatVersion)
        {
            error = new BundleError(BundleErrorKind.Unsupported,
                $"bundle format version {format} is newer than this host reads (up to {PolicyBundle.FormatVersion}); upgrade IpsecFw on this host");
            return false;
        }

        ushort algorithm = BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]);
        if (algorithm is not (PolicyBundle.Ed25519Algorithm or PolicyBundle.EcdsaP256Algorithm))
        {
            error = new BundleError(BundleErrorKind.Unsupported,
                $"signature algorithm {algorithm} is unknown to this host (1 is Ed25519, 2 is ECDSA P-256)");
            return false;
        }

        uint policyLength = BinaryPrimitives.ReadUInt32BigEndian(bytes[40..]);
        if (policyLength > (uint)(bytes.Length - MinimumLength))
        {
            error = BundleError.Malformed(
                $"the policy length field says {policyLength} bytes, more than the {bytes.Length - MinimumLength} the bundle has room for");
            return false;
        }

        int signedLength = HeaderLength + (int)policyLength;
        ushort signatureLength = BinaryPrimitives.ReadUInt16BigEndian(bytes[signedLength..]);
        int rest = bytes.Length - signedLength - TrailerLength;
        if (signatureLength != rest)
        {
            error = BundleError.Malformed(
                $"the signature length field says {signatureLength} bytes but {rest} follow it (truncated or padded)");
            return false;
        }

        layout = new BundleLayout(
            BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]),
            BinaryPrimitives.ReadInt64BigEndian(bytes[16..]),
            BinaryPrimitives.ReadInt64BigEndian(bytes[24..]),
            BinaryPrimitives.ReadUInt64BigEndian(bytes[32..]),
            (int)policyLength,
            signatureLength,
            (BundleAlgorithm)algorithm);
        error = null;
        return true;
    }

    /// <summary>Checks what the signature covers but the framing does not: times, serial, the policy inside.</summary>
    public BundleError? CheckContent()
    {
        if (Serial == 0)
        {
            return BundleError.Malformed("serial 0 is not allowed (serials start at 1)");
        }

        if (IssuedAtSeconds is < 0 or > MaxUnixSeconds || ExpiresAtSeconds is < 0 or > MaxUnixSeconds)
        {
            return BundleError.Malformed("the issue or expiry time is out of range");
        }

        return IssuedAtSeconds >= ExpiresAtSeconds
            ? BundleError.Malformed("the bundle expires before it is issued")
            : null;
    }
}
