using System.Buffers.Binary;
using IpsecFw.Spd.Distribution;

namespace IpsecFw.Spd.Tests.Distribution;

/// <summary>Every refusal of <see cref="BundleVerifier.Verify"/>, each with its reason and message.</summary>
public sealed class BundleVerifierTests : IDisposable
{
    private readonly BundlePrivateKey _key = BundleKit.Signer();

    public void Dispose() => _key.Dispose();

    private BundleVerdict Verify(byte[] bundle, ulong last = 0, DateTimeOffset? now = null) =>
        BundleVerifier.Verify(bundle, _key.PublicKey, last, now ?? BundleKit.Now);

    private static void Refused(BundleVerdict verdict, BundleErrorKind kind, string message)
    {
        Assert.False(verdict.IsAccepted);
        Assert.Null(verdict.Bundle);
        Assert.Null(verdict.Snapshot);
        Assert.Equal(kind, verdict.Reason);
        Assert.Contains(message, verdict.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_good_bundle_is_accepted()
    {
        BundleVerdict verdict = Verify(BundleKit.Sign(_key, 1));
        Assert.True(verdict.IsAccepted, verdict.ToString());
        Assert.Null(verdict.Error);
        Assert.False(verdict.IsExpired);
        Assert.Null(verdict.Warning);
    }

    [Fact]
    public void Unsigned()
    {
        (byte[] unsigned, _) = PolicyBundle.EncodeForSigning(BundleAlgorithm.Ed25519, 1, BundleKit.Now.AddMinutes(-1).ToUnixTimeSeconds(),
            BundleKit.Now.AddDays(1).ToUnixTimeSeconds(), _key.PublicKey.KeyId, BundleKit.Figure1, 0);
        Refused(Verify(unsigned), BundleErrorKind.Unsigned, "the bundle is not signed");
    }

    [Theory]
    [InlineData(10)] // serial
    [InlineData(20)] // issued at
    [InlineData(30)] // expires at
    [InlineData(100)] // the policy source
    [InlineData(-1)] // the signature's last byte
    [InlineData(-64)] // the signature's first byte
    public void A_tampered_bundle_has_a_bad_signature(int offset)
    {
        byte[] bundle = BundleKit.Sign(_key, 1);
        bundle[offset < 0 ? bundle.Length + offset : offset] ^= 0x01;
        Refused(Verify(bundle), BundleErrorKind.BadSignature, $"the signature does not verify with the trusted key {_key.PublicKey.KeyIdHex}");
    }

    [Fact]
    public void A_bundle_signed_by_another_key_names_both_keys()
    {
        using BundlePrivateKey stranger = BundleKit.Stranger();
        Refused(Verify(BundleKit.Sign(stranger, 1)), BundleErrorKind.UnknownKey,
            $"the bundle is signed by key {stranger.PublicKey.KeyIdHex}; this host trusts only key {_key.PublicKey.KeyIdHex}");
    }

    [Fact]
    public void Another_key_claiming_the_trusted_key_id_has_a_bad_signature()
    {
        using BundlePrivateKey stranger = BundleKit.Stranger();
        byte[] bundle = BundleKit.Sign(stranger, 1);
        BinaryPrimitives.WriteUInt64BigEndian(bundle.AsSpan(32), _key.PublicKey.KeyId);
        Refused(Verify(bundle), BundleErrorKind.BadSignature, "the signature does not verify");
    }

    [Fact]
    public void Expired_at_the_expiry_second_and_accepted_the_second_before()
    {
        byte[] bundle = BundleKit.Sign(_key, 1, expiresAt: BundleKit.Now.AddHours(1));
        Assert.True(Verify(bundle, now: BundleKit.Now.AddHours(1).AddSeconds(-1)).IsAccepted);
        Refused(Verify(bundle, now: BundleKit.Now.AddHours(1)), BundleErrorKind.Expired,
            "bundle serial 1 expired at 2026-11-25T05:00:00Z (this host's clock says 2026-11-25T05:00:00Z)");
        Refused(Verify(bundle, now: BundleKit.Now.AddYears(1)), BundleErrorKind.Expired, "expired at");
    }

    [Fact]
    public void Issued_in_the_future_beyond_the_clock_skew_is_not_yet_valid()
    {
        Assert.Equal(TimeSpan.FromMinutes(5), BundleVerifier.ClockSkew);
        Assert.True(Verify(BundleKit.Sign(_key, 1, issuedAt: BundleKit.Now.AddMinutes(5))).IsAccepted);
        Refused(Verify(BundleKit.Sign(_key, 1, issuedAt: BundleKit.Now.AddMinutes(5).AddSeconds(1))), BundleErrorKind.NotYetValid,
            "bundle serial 1 is issued at 2026-11-25T04:05:01Z, more than 5 minutes after this host's clock (2026-11-25T04:00:00Z)");
        Refused(Verify(BundleKit.Sign(_key, 1, issuedAt: BundleKit.Now.AddDays(2))), BundleErrorKind.NotYetValid, "check the clocks");
    }

    [Fact]
    public void An_older_serial_is_a_rollback()
    {
        Refused(Verify(BundleKit.Sign(_key, 4), last: 5), BundleErrorKind.Rollback,
            "bundle serial 4 is older than serial 5, which this host already accepted: refusing a rollback");
        Refused(Verify(BundleKit.Sign(_key, 1), last: ulong.MaxValue), BundleErrorKind.Rollback, "refusing a rollback");
    }

    [Fact]
    public void The_same_serial_again_is_refused()
    {
        Refused(Verify(BundleKit.Sign(_key, 5), last: 5), BundleErrorKind.Rollback,
            "bundle serial 5 is the one this host already accepted; a new policy needs a greater serial");
        Assert.True(Verify(BundleKit.Sign(_key, 6), last: 5).IsAccepted);
    }

    [Fact]
    public void The_largest_serial_is_accepted_and_its_snapshot_version_is_clamped()
    {
        BundleVerdict verdict = Verify(BundleKit.Sign(_key, ulong.MaxValue), last: ulong.MaxValue - 1);
        Assert.True(verdict.IsAccepted, verdict.ToString());
        Assert.Equal(long.MaxValue, verdict.Snapshot.Version);
    }

    [Fact]
    public void Malformed_bytes_are_refused()
    {
        Refused(Verify([]), BundleErrorKind.Malformed, "0 bytes is too short for a policy bundle (at least 46 bytes)");
        Refused(Verify(BundleKit.Figure1.Encoded.ToArray()), BundleErrorKind.Malformed, "does not start with \"IFWB\"");
        Refused(Verify([.. BundleKit.Sign(_key, 1), 0]), BundleErrorKind.Malformed, "the signature length field says 64 bytes but 65 follow it");
    }

    [Fact]
    public void A_newer_format_or_an_unknown_algorithm_is_unsupported()
    {
        byte[] newer = BundleKit.Sign(_key, 1);
        newer[5] = 2;
        Refused(Verify(newer), BundleErrorKind.Unsupported, "bundle format version 2 is newer than this host reads (up to 1)");
        byte[] algorithm = BundleKit.Sign(_key, 1);
        algorithm[7] = 3;
        Refused(Verify(algorithm), BundleErrorKind.Unsupported, "signature algorithm 3 is unknown to this host (1 is Ed25519, 2 is ECDSA P-256)");
    }

    [Fact]
    public void Signed_but_impossible_fields_are_malformed()
    {
        long issued = BundleKit.Now.ToUnixTimeSeconds();
        Refused(Verify(BundleKit.SignRaw(_key, 0, issued, issued + 60, BundleKit.Figure1)), BundleErrorKind.Malformed, "serial 0 is not allowed");
        Refused(Verify(BundleKit.SignRaw(_key, 1, issued, issued, BundleKit.Figure1)), BundleErrorKind.Malformed, "expires before it is issued");
        Refused(Verify(BundleKit.SignRaw(_key, 1, -5, issued, BundleKit.Figure1)), BundleErrorKind.Malformed, "out of range");
        Refused(Verify(BundleKit.SignRaw(_key, 1, issued, long.MaxValue, BundleKit.Figure1)), BundleErrorKind.Malformed, "out of range");
    }

    [Fact]
    public void A_signed_policy_from_a_newer_compiler_or_format_is_unsupported()
    {
        long issued = BundleKit.Now.ToUnixTimeSeconds();
        byte[] compiler = BundleKit.SignRaw(_key, 1, issued, issued + 60, BundleKit.Envelope("allow *(*, *);\n"u8.ToArray(), compiler: 9));
        Refused(Verify(compiler), BundleErrorKind.Unsupported,
            "the bundle's policy: the policy was compiled by policy compiler version 9, newer than this host's (1); upgrade IpsecFw on this host");
        byte[] format = BundleKit.SignRaw(_key, 1, issued, issued + 60, BundleKit.Envelope("allow *(*, *);\n"u8.ToArray(), format: 3));
        Refused(Verify(format), BundleErrorKind.Unsupported, "compiled policy format version 3 is newer");
        byte[] altered = BundleKit.SignRaw(_key, 1, issued, issued + 60, [.. BundleKit.Figure1.Encoded[..^1], (byte)'#']);
        Refused(Verify(altered), BundleErrorKind.Malformed, "the bundle's policy: the source does not match the SHA-256");
    }

    [Fact]
    public void A_correctly_signed_policy_that_does_not_compile_is_refused()
    {
        Assert.True(CompiledPolicy.TryLoad(BundleKit.Envelope("allow smpt(*, *);\n"), out CompiledPolicy? policy, out _));
        Refused(Verify(BundleKit.Sign(_key, 1, policy)), BundleErrorKind.DoesNotCompile,
            "the policy of bundle serial 1 is correctly signed but does not compile on this host: bundle-1.pol:1:7: error: unknown service 'smpt'");
    }

    [Fact]
    public void Refusals_print_their_kind_and_message()
    {
        BundleVerdict verdict = Verify(BundleKit.Sign(_key, 1), last: 1);
        Assert.StartsWith("refused: Rollback: bundle serial 1", verdict.ToString(), StringComparison.Ordinal);
    }
}
