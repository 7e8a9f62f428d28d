using IpsecFw.Spd.Distribution;
using IpsecFw.Spd.Tests.Figures;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Spd.Tests.Distribution;

public sealed class BundleStoreTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ipsecfw-store-");
    private readonly BundlePrivateKey _key = BundleKit.Signer();
    private readonly FakeTimeProvider _time = new(BundleKit.Now);

    public void Dispose()
    {
        _key.Dispose();
        _root.Delete(recursive: true);
    }

    private string Dir => Path.Combine(_root.FullName, "policy");

    private BundleStore NewStore(BundlePublicKey? key = null) => new(Dir, key ?? _key.PublicKey, _time);

    private byte[] Bundle(ulong serial, DateTimeOffset? expiresAt = null) =>
        BundleKit.Sign(_key, serial, expiresAt: expiresAt);

    private string[] FilesInStore() => [.. Directory.EnumerateFiles(Dir).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void A_new_host_has_no_stored_bundle()
    {
        BundleStore store = NewStore();
        BundleVerdict verdict = store.Load();
        Assert.Equal(BundleErrorKind.NoStoredBundle, verdict.Reason);
        Assert.Contains("no accepted bundle is stored", verdict.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(0UL, store.LastAcceptedSerial);
    }

    [Fact]
    public void An_accepted_bundle_is_stored_with_its_serial_and_replaced_atomically()
    {
        BundleStore store = NewStore();
        byte[] first = Bundle(1), second = Bundle(2);

        Assert.True(store.Accept(first).IsAccepted);
        Assert.Equal(first, File.ReadAllBytes(store.BundlePath));
        Assert.Equal("1\n", File.ReadAllText(store.SerialPath));
        Assert.True(store.Accept(second).IsAccepted);
        Assert.Equal(second, File.ReadAllBytes(store.BundlePath));
        Assert.Equal("2\n", File.ReadAllText(store.SerialPath));
        Assert.Equal(2UL, store.LastAcceptedSerial);
        Assert.Equal(new[] { BundleStore.BundleFileName, BundleStore.SerialFileName }, FilesInStore()); // no temporary files left

        Assert.Equal(BundleErrorKind.Rollback, store.Accept(second).Reason);
        Assert.Equal(BundleErrorKind.Rollback, store.Accept(first).Reason);
        Assert.Equal(second, File.ReadAllBytes(store.BundlePath));
    }

    [Fact]
    public void A_restart_recovers_the_last_good_policy_and_keeps_refusing_rollbacks()
    {
        Assert.True(NewStore().Accept(Bundle(3)).IsAccepted);

        BundleStore restarted = NewStore();
        BundleVerdict verdict = restarted.Load();

        Assert.True(verdict.IsAccepted, verdict.ToString());
        Assert.Equal(3UL, verdict.Bundle.Serial);
        Assert.Equal(PaperFigures.Figure1, verdict.Policy!.Source);
        Assert.False(verdict.IsExpired);
        Assert.Null(verdict.Warning);
        Assert.Equal(3UL, restarted.LastAcceptedSerial);
        TestHost outsider = TestHost.Anonymous("203.0.113.9");
        TestHost mailGw = TestHost.WithCertificate("mail-gw.example.com", "198.19.0.25", BundleKit.Now);
        TestHost host1 = TestHost.WithCertificate("host1.example.com", "198.19.0.1", BundleKit.Now);
        Assert.True(Scenario.Connect(verdict.Snapshot, "smtp", outsider, mailGw).Allowed);
        Assert.False(Scenario.Connect(verdict.Snapshot, "smtp", outsider, host1).Allowed);

        Assert.Equal(BundleErrorKind.Rollback, restarted.Accept(Bundle(2)).Reason);
        Assert.Equal(BundleErrorKind.Rollback, restarted.Accept(Bundle(3)).Reason);
        Assert.True(restarted.Accept(Bundle(4)).IsAccepted);
    }

    [Fact]
    public void Leftover_temporary_files_from_a_crash_are_ignored_and_removed()
    {
        BundleStore store = NewStore();
        Assert.True(store.Accept(Bundle(1)).IsAccepted);
        byte[] newer = Bundle(2);
        // A crash during a write: half a bundle; a crash just before the rename: a whole, valid one. Neither committed.
        File.WriteAllBytes(store.BundlePath + ".0123456789ab.tmp", newer[..(newer.Length / 2)]);
        File.WriteAllBytes(store.BundlePath + ".ba9876543210.tmp", newer);
        File.WriteAllText(store.SerialPath + ".0123456789ab.tmp", "2");

        BundleStore restarted = NewStore();
        BundleVerdict verdict = restarted.Load();

        Assert.True(verdict.IsAccepted, verdict.ToString());
        Assert.Equal(1UL, verdict.Bundle.Serial);
        Assert.Equal(1UL, restarted.LastAcceptedSerial);
        Assert.Equal(new[] { BundleStore.BundleFileName, BundleStore.SerialFileName }, FilesInStore());
        Assert.True(restarted.Accept(newer).IsAccepted);
    }

    [Fact]
    public void A_crash_between_the_bundle_and_the_serial_loses_nothing()
    {
        BundleStore store = NewStore();
        Assert.True(store.Accept(Bundle(1)).IsAccepted);
        File.WriteAllBytes(store.BundlePath, Bundle(2)); // the bundle was renamed, the serial file not yet

        BundleStore restarted = NewStore();
        BundleVerdict verdict = restarted.Load();

        Assert.True(verdict.IsAccepted, verdict.ToString());
        Assert.Equal(2UL, restarted.LastAcceptedSerial);
        Assert.Equal(BundleErrorKind.Rollback, restarted.Accept(Bundle(2)).Reason);
    }

    [Fact]
    public void A_stored_bundle_older_than_the_recorded_serial_is_a_rollback()
    {
        BundleStore store = NewStore();
        Assert.True(store.Accept(Bundle(5)).IsAccepted);
        File.WriteAllBytes(store.BundlePath, Bundle(2)); // someone put an older, correctly signed bundle back

        BundleStore restarted = NewStore();
        BundleVerdict verdict = restarted.Load();

        Assert.Equal(BundleErrorKind.Rollback, verdict.Reason);
        Assert.Contains("the stored bundle has serial 2 but serial 5 was accepted before", verdict.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(5UL, restarted.LastAcceptedSerial);
    }

    [Fact]
    public void Deleting_the_stored_bundle_does_not_reopen_older_serials()
    {
        BundleStore store = NewStore();
        Assert.True(store.Accept(Bundle(5)).IsAccepted);
        File.Delete(store.BundlePath);

        BundleStore restarted = NewStore();
        Assert.Equal(BundleErrorKind.NoStoredBundle, restarted.Load().Reason);
        Assert.Equal(5UL, restarted.LastAcceptedSerial);
        Assert.Equal(BundleErrorKind.Rollback, restarted.Accept(Bundle(4)).Reason);
        Assert.True(restarted.Accept(Bundle(6)).IsAccepted);
    }

    [Fact]
    public void A_damaged_stored_bundle_is_refused_with_its_path()
    {
        BundleStore store = NewStore();
        Assert.True(store.Accept(Bundle(1)).IsAccepted);
        byte[] bytes = File.ReadAllBytes(store.BundlePath);
        bytes[100] ^= 0x04;
        File.WriteAllBytes(store.BundlePath, bytes);

        BundleVerdict verdict = NewStore().Load();

        Assert.Equal(BundleErrorKind.BadSignature, verdict.Reason);
        Assert.Contains($"the stored bundle '{store.BundlePath}' is refused: the signature does not verify", verdict.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stored_bundle_is_checked_against_the_key_the_host_trusts_now()
    {
        Assert.True(NewStore().Accept(Bundle(1)).IsAccepted);
        using BundlePrivateKey stranger = BundleKit.Stranger();
        Assert.Equal(BundleErrorKind.UnknownKey, NewStore(stranger.PublicKey).Load().Reason);
    }

    [Fact]
    public void An_expired_last_good_policy_is_still_enforced_and_reported()
    {
        Assert.True(NewStore().Accept(Bundle(1, expiresAt: BundleKit.Now.AddHours(1))).IsAccepted);
        _time.Advance(TimeSpan.FromHours(2));

        BundleStore restarted = NewStore();
        BundleVerdict verdict = restarted.Load();

        Assert.True(verdict.IsAccepted, verdict.ToString());
        Assert.True(verdict.IsExpired);
        Assert.Equal(
            "the last good policy (bundle serial 1) expired at 2026-11-25T05:00:00Z; this host keeps enforcing it until a newer bundle arrives",
            verdict.Warning);
        Assert.NotNull(verdict.Snapshot);
        Assert.True(restarted.Accept(Bundle(2, expiresAt: _time.GetUtcNow().AddDays(1))).IsAccepted);
    }

    [Fact]
    public void An_expired_bundle_is_not_accepted_into_the_store()
    {
        BundleStore store = NewStore();
        byte[] bundle = Bundle(1, expiresAt: BundleKit.Now.AddHours(1));
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(BundleErrorKind.Expired, store.Accept(bundle).Reason);
        Assert.False(Directory.Exists(Dir));
        Assert.Equal(0UL, store.LastAcceptedSerial);
    }

    [Fact]
    public void A_bundle_that_cannot_be_stored_is_refused_and_changes_nothing()
    {
        File.WriteAllText(Dir, "a file where the directory should be");
        BundleStore store = NewStore();

        BundleVerdict verdict = store.Accept(Bundle(1));

        Assert.Equal(BundleErrorKind.StorageFailed, verdict.Reason);
        Assert.Contains("bundle serial 1 is valid but could not be stored", verdict.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(0UL, store.LastAcceptedSerial);
    }

    [Fact]
    public void An_unreadable_serial_file_falls_back_to_the_bundles_serial_with_a_warning()
    {
        BundleStore store = NewStore();
        Assert.True(store.Accept(Bundle(4)).IsAccepted);
        File.WriteAllText(store.SerialPath, "garbage");

        BundleStore restarted = NewStore();
        BundleVerdict verdict = restarted.Load();

        Assert.True(verdict.IsAccepted, verdict.ToString());
        Assert.Contains("does not hold a serial", verdict.Warning!, StringComparison.Ordinal);
        Assert.Equal(4UL, restarted.LastAcceptedSerial);
    }
}
