using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using IpsecFw.Spd.Language;

namespace IpsecFw.Spd.Distribution;

/// <summary>
/// The host's side: decides whether a received bundle may replace the running policy. Checks, in this order, each
/// refusal with its own <see cref="BundleErrorKind"/> and a plain message: the framing (<see cref="BundleErrorKind.Malformed"/>,
/// <see cref="BundleErrorKind.Unsupported"/> for a newer format or algorithm), that it is signed
/// (<see cref="BundleErrorKind.Unsigned"/>), with the trusted key's algorithm (<see cref="BundleErrorKind.WrongAlgorithm"/>),
/// by the trusted key (<see cref="BundleErrorKind.UnknownKey"/>), correctly
/// (<see cref="BundleErrorKind.BadSignature"/>); only then the content it signs (times, serial 0 and the compiled
/// policy: <see cref="BundleErrorKind.Malformed"/> or <see cref="BundleErrorKind.Unsupported"/>), the expiry
/// (<see cref="BundleErrorKind.Expired"/>), the issue time (<see cref="BundleErrorKind.NotYetValid"/> beyond
/// <see cref="ClockSkew"/>), the serial (<see cref="BundleErrorKind.Rollback"/> unless greater than the last accepted),
/// and finally that the policy compiles on this host (<see cref="BundleErrorKind.DoesNotCompile"/>). Nothing in an
/// unauthenticated bundle is looked at beyond its framing. Never throws on bad input. Thread-safe.
/// </summary>
public static class BundleVerifier
{
    /// <summary>How far in the future a bundle's issue time may be before it is refused as not yet valid.</summary>
    public static TimeSpan ClockSkew { get; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Verifies <paramref name="bundleBytes"/> against <paramref name="trustedPublicKey"/>: accepted only if correctly
    /// signed by that key, not expired at <paramref name="now"/>, not issued more than <see cref="ClockSkew"/> after
    /// it, with a serial greater than <paramref name="lastAcceptedSerial"/> (0 when the host has accepted none), and
    /// a policy that compiles here.
    /// </summary>
    public static BundleVerdict Verify(ReadOnlySpan<byte> bundleBytes, BundlePublicKey trustedPublicKey,
        ulong lastAcceptedSerial, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(trustedPublicKey);
        if (!TryAuthenticate(bundleBytes, trustedPublicKey, out PolicyBundle? bundle, out BundleError? error))
        {
            return BundleVerdict.Refused(error);
        }

        if (now >= bundle.ExpiresAt)
        {
            return BundleVerdict.Refused(BundleErrorKind.Expired,
                $"bundle serial {bundle.Serial} expired at {Time(bundle.ExpiresAt)} (this host's clock says {Time(now)})");
        }

        if (bundle.IssuedAt > now + ClockSkew)
        {
            return BundleVerdict.Refused(BundleErrorKind.NotYetValid,
                $"bundle serial {bundle.Serial} is issued at {Time(bundle.IssuedAt)}, more than {ClockSkew.TotalMinutes} minutes after this host's clock ({Time(now)}); check the clocks");
        }

        if (bundle.Serial <= lastAcceptedSerial)
        {
            return BundleVerdict.Refused(BundleErrorKind.Rollback, bundle.Serial == lastAcceptedSerial
                ? $"bundle serial {bundle.Serial} is the one this host already accepted; a new policy needs a greater serial"
                : $"bundle serial {bundle.Serial} is older than serial {lastAcceptedSerial}, which this host already accepted: refusing a rollback");
        }

        return Compile(bundle);
    }

    /// <summary>The framing, the key, the signature, then the signed content; no times, no serial.</summary>
    internal static bool TryAuthenticate(ReadOnlySpan<byte> bytes, BundlePublicKey key,
        [NotNullWhen(true)] out PolicyBundle? bundle, [NotNullWhen(false)] out BundleError? error)
    {
        bundle = null;
        if (!BundleLayout.TryRead(bytes, out BundleLayout layout, out error))
        {
            return false;
        }

        if (layout.SignatureLength == 0)
        {
            error = new BundleError(BundleErrorKind.Unsigned,
                "the bundle is not signed; this host accepts only bundles signed by its trusted key");
            return false;
        }

        if (layout.Algorithm != key.Algorithm)
        {
            error = new BundleError(BundleErrorKind.WrongAlgorithm,
                $"the bundle is signed with {BundlePublicKey.Name(layout.Algorithm)}, but this host's trusted key {key.KeyIdHex} is an {key.AlgorithmName} key");
            return false;
        }

        if (layout.KeyId != key.KeyId)
        {
            error = new BundleError(BundleErrorKind.UnknownKey, string.Create(CultureInfo.InvariantCulture,
                $"the bundle is signed by key {layout.KeyId:x16}; this host trusts only key {key.KeyIdHex}"));
            return false;
        }

        if (layout.Algorithm == BundleAlgorithm.Ed25519 && layout.SignatureLength != PolicyBundle.SignatureLength)
        {
            error = BundleError.Malformed(
                $"an Ed25519 signature is {PolicyBundle.SignatureLength} bytes, not {layout.SignatureLength}");
            return false;
        }

        if (layout.Algorithm == BundleAlgorithm.EcdsaP256 && layout.SignatureLength is < 8 or > PolicyBundle.MaxEcdsaSignatureLength)
        {
            error = BundleError.Malformed(
                $"a DER ECDSA P-256 signature is 8 to {PolicyBundle.MaxEcdsaSignatureLength} bytes, not {layout.SignatureLength}");
            return false;
        }

        if (!key.Verify(bytes[..layout.SignedLength], bytes.Slice(layout.SignatureOffset, layout.SignatureLength)))
        {
            error = new BundleError(BundleErrorKind.BadSignature,
                $"the signature does not verify with the trusted key {key.KeyIdHex}: the bundle was altered, or not made with that key");
            return false;
        }

        return PolicyBundle.TryDecodeContent(bytes, layout, out bundle, out error);
    }

    /// <summary>Compiles an authenticated bundle's policy with this host's compiler.</summary>
    internal static BundleVerdict Compile(PolicyBundle bundle, bool isExpired = false, string? warning = null)
    {
        long version = bundle.Serial > long.MaxValue ? long.MaxValue : (long)bundle.Serial;
        CompileResult result = bundle.Policy.Compile(version, $"bundle-{bundle.Serial}.pol");
        if (result.Snapshot is null)
        {
            Diagnostic? first = result.Errors.FirstOrDefault();
            return BundleVerdict.Refused(BundleErrorKind.DoesNotCompile,
                $"the policy of bundle serial {bundle.Serial} is correctly signed but does not compile on this host: {first?.Header ?? "no snapshot"}");
        }

        return BundleVerdict.Accepted(bundle, result.Snapshot, isExpired, warning);
    }

    internal static string Time(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
