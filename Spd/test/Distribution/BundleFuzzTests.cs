using IpsecFw.Spd.Distribution;

namespace IpsecFw.Spd.Tests.Distribution;

/// <summary>
/// Every bit flip, every truncation and 1,000 random single-byte corruptions of a valid bundle are refused with the
/// reason that the damaged field calls for, and nothing throws.
/// </summary>
public sealed class BundleFuzzTests : IDisposable
{
    private readonly BundlePrivateKey _key = BundleKit.Signer();
    private readonly byte[] _bundle;

    public BundleFuzzTests() => _bundle = BundleKit.Sign(_key, 5);

    public void Dispose() => _key.Dispose();

    /// <summary>The reasons a corruption at <paramref name="offset"/> may give (see the layout in PolicyBundle).</summary>
    private BundleErrorKind[] Expected(int offset)
    {
        int m = BundleKit.PolicyLength(_bundle);
        return offset switch
        {
            < 4 => [BundleErrorKind.Malformed], // magic
            < 6 => [BundleErrorKind.Malformed, BundleErrorKind.Unsupported], // format version: 0 or newer
            < 8 => [BundleErrorKind.Unsupported, BundleErrorKind.WrongAlgorithm], // signature algorithm: unknown, or the other one
            < 32 => [BundleErrorKind.BadSignature], // serial, issued at, expires at
            < 40 => [BundleErrorKind.UnknownKey], // key id
            // The policy length: the framing no longer adds up, or by chance it does and the signature fails.
            < 44 => [BundleErrorKind.Malformed, BundleErrorKind.BadSignature, BundleErrorKind.Unsigned],
            _ when offset < 44 + m => [BundleErrorKind.BadSignature], // the compiled policy
            _ when offset < 46 + m => [BundleErrorKind.Malformed], // the signature length
            _ => [BundleErrorKind.BadSignature], // the signature
        };
    }

    private BundleVerdict Verify(ReadOnlySpan<byte> bytes) => BundleVerifier.Verify(bytes, _key.PublicKey, 4, BundleKit.Now);

    [Fact]
    public void The_untouched_bundle_is_accepted() => Assert.True(Verify(_bundle).IsAccepted);

    [Fact]
    public void Every_bit_flip_anywhere_is_refused_with_the_reason_of_its_field()
    {
        for (int offset = 0; offset < _bundle.Length; offset++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] bytes = (byte[])_bundle.Clone();
                bytes[offset] ^= (byte)(1 << bit);
                BundleVerdict verdict = Verify(bytes);
                Assert.False(verdict.IsAccepted, $"flip of bit {bit} at {offset} was accepted");
                Assert.Contains(verdict.Reason!.Value, Expected(offset));
                Assert.False(string.IsNullOrWhiteSpace(verdict.Error!.Message));
            }
        }
    }

    [Fact]
    public void Every_truncation_is_malformed()
    {
        for (int length = 0; length < _bundle.Length; length++)
        {
            BundleVerdict verdict = Verify(_bundle.AsSpan(0, length));
            Assert.Equal(BundleErrorKind.Malformed, verdict.Reason);
        }
    }

    [Fact]
    public void A_thousand_random_single_byte_corruptions_are_refused_with_a_typed_reason()
    {
        var random = new Random(5081999);
        var seen = new HashSet<BundleErrorKind>();
        for (int i = 0; i < 1000; i++)
        {
            byte[] bytes = (byte[])_bundle.Clone();
            int offset = random.Next(bytes.Length);
            bytes[offset] ^= (byte)random.Next(1, 256);
            BundleVerdict verdict = Verify(bytes);
            Assert.False(verdict.IsAccepted, $"corruption at {offset} was accepted");
            Assert.Contains(verdict.Reason!.Value, Expected(offset));
            seen.Add(verdict.Reason.Value);
        }

        Assert.Contains(BundleErrorKind.BadSignature, seen);
        Assert.Contains(BundleErrorKind.Malformed, seen);
    }

    [Fact]
    public void Random_bytes_and_random_tails_after_a_valid_header_never_throw()
    {
        var random = new Random(1999);
        for (int i = 0; i < 1000; i++)
        {
            var bytes = new byte[random.Next(0, 600)];
            random.NextBytes(bytes);
            if (i % 2 == 1 && bytes.Length >= 44)
            {
                _bundle.AsSpan(0, 40).CopyTo(bytes); // a plausible header; length, policy and signature random
            }

            BundleVerdict verdict = Verify(bytes);
            Assert.False(verdict.IsAccepted);
            Assert.NotNull(verdict.Error);
            if (!PolicyBundle.TryDecode(bytes, out _, out BundleError? error))
            {
                Assert.False(string.IsNullOrWhiteSpace(error.Message));
            }
        }
    }
}
