using IpsecFw.Spd.Distribution;
using IpsecFw.Spd.Runtime;
using IpsecFw.Spd.Tests.Figures;

namespace IpsecFw.Spd.Tests.Distribution;

/// <summary>Compile → sign → verify → snapshot gives the same decisions as compiling the source directly.</summary>
public sealed class BundleRoundTripTests
{
    private static readonly DateTimeOffset s_current = new(2000, 1, 10, 0, 0, 0, TimeSpan.Zero);

    private static readonly TestHost[] s_hosts =
    [
        TestHost.WithCertificate("mail-gw.example.com", "198.19.0.25", s_current),
        TestHost.WithCertificate("host1.example.com", "198.19.0.1", s_current),
        TestHost.WithCertificate("host2.example.com", "198.19.0.2", s_current),
        TestHost.WithCertificate("old.example.com", "198.19.0.3", new(1999, 3, 1, 0, 0, 0, TimeSpan.Zero)),
        TestHost.WithCertificate("mail-gw.attacker.org", "198.19.0.66", s_current),
        TestHost.Anonymous("192.0.2.123"),
        TestHost.Anonymous("203.0.113.9"),
    ];

    private static readonly string[] s_services = ["smtp", "ntp", "ssh", "https", "domain", "http"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_verified_bundle_decides_every_connection_as_the_source_does(int figure)
    {
        string source = figure == 1 ? PaperFigures.Figure1 : PaperFigures.Figure2;
        using BundlePrivateKey key = BundleKit.Signer();
        byte[] bundle = BundleKit.Sign(key, 7, BundleKit.Compile(source));

        BundleVerdict verdict = BundleVerifier.Verify(bundle, key.PublicKey, 6, BundleKit.Now);

        Assert.True(verdict.IsAccepted, verdict.ToString());
        Assert.Equal(source, verdict.Policy!.Source);
        Assert.Equal(7, verdict.Snapshot.Version);
        PolicySnapshot direct = Scenario.Compile(source);
        int compared = 0;
        foreach (string service in s_services)
        {
            foreach (TestHost from in s_hosts)
            {
                foreach (TestHost to in s_hosts.Where(h => h != from))
                {
                    var expected = Scenario.Connect(direct, service, from, to);
                    var actual = Scenario.Connect(verdict.Snapshot, service, from, to);
                    Assert.Equal(expected, actual);
                    compared++;
                }
            }
        }

        Assert.Equal(s_services.Length * s_hosts.Length * (s_hosts.Length - 1), compared);
    }

    [Fact]
    public void The_bundled_figure_1_gives_the_papers_verdicts()
    {
        using BundlePrivateKey key = BundleKit.Signer();
        BundleVerdict verdict = BundleVerifier.Verify(BundleKit.Sign(key, 1), key.PublicKey, 0, BundleKit.Now);
        Assert.True(verdict.IsAccepted, verdict.ToString());
        TestHost mailGw = s_hosts[0], host1 = s_hosts[1], host2 = s_hosts[2], outsider = s_hosts[6];

        Assert.True(Scenario.Connect(verdict.Snapshot, "smtp", outsider, mailGw).Allowed);
        Assert.False(Scenario.Connect(verdict.Snapshot, "smtp", outsider, host1).Allowed);
        Assert.True(Scenario.Connect(verdict.Snapshot, "smtp", mailGw, host1).Allowed);
        Assert.False(Scenario.Connect(verdict.Snapshot, "smtp", host1, host2).Allowed);
        Assert.True(Scenario.Connect(verdict.Snapshot, "ntp", s_hosts[5], host1).Allowed);
        Assert.True(Scenario.Connect(verdict.Snapshot, "ssh", host1, outsider).Allowed);
    }

    [Fact]
    public void The_signed_fields_come_back_as_signed()
    {
        using BundlePrivateKey key = BundleKit.Signer();
        DateTimeOffset issued = BundleKit.Now.AddSeconds(-90.75);
        PolicyBundle signed = BundleSigner.Sign(key, BundleKit.Figure1, 42, issued, issued.AddDays(7));

        BundleVerdict verdict = BundleVerifier.Verify(signed.Encoded, key.PublicKey, 41, BundleKit.Now);

        Assert.True(verdict.IsAccepted, verdict.ToString());
        PolicyBundle bundle = verdict.Bundle;
        Assert.Equal(42UL, bundle.Serial);
        Assert.Equal(BundleKit.Now.AddSeconds(-91), bundle.IssuedAt); // whole seconds, truncated
        Assert.Equal(BundleKit.Now.AddSeconds(-91).AddDays(7), bundle.ExpiresAt);
        Assert.Equal(key.PublicKey.KeyId, bundle.KeyId);
        Assert.True(bundle.IsSigned);
        Assert.Equal(64, bundle.Signature.Length);
        Assert.Equal(BundleKit.Figure1.Encoded.ToArray(), bundle.Policy.Encoded.ToArray());
        Assert.Equal(signed.Encoded.ToArray(), bundle.Encoded.ToArray());
        Assert.Equal(46 + bundle.Policy.Encoded.Length + 64, bundle.Encoded.Length);
    }

    [Fact]
    public void Decoding_without_verifying_reads_the_fields_of_any_well_formed_bundle()
    {
        using BundlePrivateKey stranger = BundleKit.Stranger();
        byte[] bytes = BundleKit.Sign(stranger, 3);

        Assert.True(PolicyBundle.TryDecode(bytes, out PolicyBundle? bundle, out BundleError? error), error?.ToString());
        Assert.Equal(3UL, bundle.Serial);
        Assert.Equal(stranger.PublicKey.KeyId, bundle.KeyId);
        Assert.Contains("bundle serial 3", bundle.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Signing_refuses_impossible_fields()
    {
        using BundlePrivateKey key = BundleKit.Signer();
        Assert.Throws<ArgumentOutOfRangeException>(() => BundleSigner.Sign(key, BundleKit.Figure1, 0, BundleKit.Now, BundleKit.Now.AddDays(1)));
        Assert.Throws<ArgumentException>(() => BundleSigner.Sign(key, BundleKit.Figure1, 1, BundleKit.Now, BundleKit.Now));
        Assert.Throws<ArgumentOutOfRangeException>(() => BundleSigner.Sign(key, BundleKit.Figure1, 1, DateTimeOffset.UnixEpoch.AddDays(-1), BundleKit.Now));
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => BundleSigner.Sign(key, BundleKit.Figure1, 1, BundleKit.Now, BundleKit.Now.AddDays(1)));
    }
}
