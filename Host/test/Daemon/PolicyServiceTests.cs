using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Host.Tests.Support;
using IpsecFw.Spd.Distribution;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>The policy service: sources and signed bundles, and reloads that never replace a good policy with a bad one.</summary>
public sealed class PolicyServiceTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 6, 0, 0, TimeSpan.Zero));
    private readonly BundlePrivateKey _key = BundleSigner.GenerateKeyPair();

    public PolicyServiceTests() => File.WriteAllText(_dir.File("signer.pub"), _key.PublicKey.ToKeyFile());

    public void Dispose()
    {
        _key.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void A_bundle_is_verified_stored_and_reported()
    {
        WriteBundle(Figure1.Source, serial: 1);
        PolicyService service = NewService();
        Assert.True(service.Load(BundleConfig()));
        Assert.Equal("bundle", service.Current!.Origin);
        Assert.Equal(1, service.Current.Snapshot.Version);
        Assert.Null(service.LastError);
        Assert.True(File.Exists(Path.Combine(_dir.File("state"), BundleStore.BundleFileName)));
        Assert.Equal(4, service.Describe().Rules);
    }

    [Fact]
    public void Reload_with_a_bad_bundle_keeps_the_last_good_policy()
    {
        WriteBundle(Figure1.Source, serial: 1);
        PolicyService service = NewService();
        HostConfig config = BundleConfig();
        Assert.True(service.Load(config));
        string sha = service.Current!.Sha256;

        // A forged bundle: the serial is raised after signing, so the signature no longer verifies.
        byte[] forged = Sign(Figure1.SourceWithSsh, 2);
        forged[15] ^= 0x07;
        File.WriteAllBytes(_dir.File("p.bundle"), forged);
        Assert.True(service.Load(config));
        Assert.Equal(sha, service.Current!.Sha256);
        Assert.Equal(1, service.Current.Snapshot.Version);
        Assert.StartsWith($"the bundle '{_dir.File("p.bundle")}' is refused: ", service.LastError, StringComparison.Ordinal);
        Assert.EndsWith("; the last good policy stays", service.LastError, StringComparison.Ordinal);

        // An older (rollback) bundle is refused the same way.
        WriteBundle(Figure1.SourceWithSsh, serial: 1, expires: _time.GetUtcNow().AddDays(2));
        Assert.True(service.Load(config));
        Assert.Equal(sha, service.Current!.Sha256);
        Assert.Contains("bundle serial 1 is the one this host already accepted", service.LastError, StringComparison.Ordinal);

        // A good newer bundle replaces it, and the error clears.
        WriteBundle(Figure1.SourceWithSsh, serial: 3);
        Assert.True(service.Load(config));
        Assert.Equal(3, service.Current!.Snapshot.Version);
        Assert.Equal(5, service.Current.Snapshot.Rules.Count);
        Assert.Null(service.LastError);
    }

    [Fact]
    public void A_restart_with_a_bad_bundle_file_comes_back_with_the_last_good_one()
    {
        WriteBundle(Figure1.Source, serial: 5);
        Assert.True(NewService().Load(BundleConfig()));
        File.WriteAllBytes(_dir.File("p.bundle"), [1, 2, 3]);

        PolicyService restarted = NewService();
        Assert.True(restarted.Load(BundleConfig()));
        Assert.Equal(5, restarted.Current!.Snapshot.Version);
        Assert.Equal(Path.Combine(_dir.File("state"), BundleStore.BundleFileName), restarted.Current.LoadedFrom);
        Assert.NotNull(restarted.LastError);
    }

    [Fact]
    public void A_restart_with_the_same_bundle_is_not_an_error()
    {
        WriteBundle(Figure1.Source, serial: 5);
        Assert.True(NewService().Load(BundleConfig()));
        PolicyService restarted = NewService();
        Assert.True(restarted.Load(BundleConfig()));
        Assert.Null(restarted.LastError);
    }

    [Fact]
    public void No_bundle_and_no_last_good_one_means_no_policy()
    {
        File.WriteAllBytes(_dir.File("p.bundle"), [1, 2, 3]);
        PolicyService service = NewService();
        Assert.False(service.Load(BundleConfig()));
        Assert.Null(service.Current);
        Assert.Equal("none", service.Describe().Origin);
    }

    [Fact]
    public void A_source_that_stops_compiling_keeps_the_running_policy()
    {
        string source = _dir.Write("p.pol", Figure1.Source);
        HostConfig config = Load($$"""{ "policy": { "source": "p.pol" }, "control": { "socket": "/run/x.sock" } }""");
        PolicyService service = NewService();
        Assert.True(service.Load(config));
        File.WriteAllText(source, "allow smtp(nobody, *);");
        Assert.True(service.Load(config));
        Assert.Equal(4, service.Current!.Snapshot.Rules.Count);
        Assert.Equal($"the policy source '{source}' does not compile (1 errors; see the log or run 'ipsecfw policy check {source}')", service.LastError);
        File.WriteAllText(source, Figure1.SourceWithSsh);
        Assert.True(service.Load(config));
        Assert.Equal(5, service.Current!.Snapshot.Rules.Count);
        Assert.Equal(2, service.Current.Snapshot.Version);
    }

    [Fact]
    public void The_policy_is_specialised_for_the_hosts_own_certificate()
    {
        (string cert, string key) = TestCertificates.Write(_dir.Path, "host", "mail-gw.example.com");
        _dir.Write("p.pol", Figure1.Source);
        HostConfig config = Load($$"""
            { "identity": { "certificate": "{{cert}}", "key": "{{key}}" },
              "policy": { "source": "p.pol" }, "control": { "socket": "/run/x.sock" }, "tun": { "addresses": [ "198.18.0.25/24" ] } }
            """);
        PolicyService service = NewService();
        Assert.True(service.Load(config));
        // The mail gateway is the destination of rule 0 (smtp from anyone) and a member of inside_net (rules 1, 2).
        Assert.Equal([0, 1, 2], service.Current!.Local.InboundRules);
    }

    [Fact]
    public void A_leased_address_makes_this_host_a_member_of_the_address_group_that_holds_it_until_it_goes()
    {
        _dir.Write("p.pol", """
            laptops = IPv4{198.19.128.0/24};
            allow ssh(*, laptops);
            allow *(laptops, *);
            """);
        HostConfig config = Load("""{ "policy": { "source": "p.pol", "self": "laptop" }, "control": { "socket": "/run/x.sock" } }""");
        PolicyService service = NewService();
        Assert.True(service.Load(config));
        Assert.Empty(service.Current!.Local.InboundRules);
        Assert.Empty(service.Current.Local.OutboundRules);

        service.SetLeasedAddresses([System.Net.IPAddress.Parse("198.19.128.1")]);
        Assert.Equal([0], service.Current!.Local.InboundRules);
        Assert.Equal([1], service.Current.Local.OutboundRules);

        // A reload keeps the lease in the specialisation; its removal takes it out.
        File.AppendAllText(_dir.File("p.pol"), "allow ntp(*, laptops);\n");
        Assert.True(service.Load(config));
        Assert.Equal([0, 2], service.Current!.Local.InboundRules);
        service.SetLeasedAddresses([]);
        Assert.Empty(service.Current!.Local.InboundRules);
    }

    private PolicyService NewService() => new(_time, NullLogger<PolicyService>.Instance);

    private HostConfig BundleConfig() => Load("""
        { "policy": { "bundle": "p.bundle", "signerKey": "signer.pub", "stateDirectory": "state" }, "control": { "socket": "/run/x.sock" } }
        """);

    private HostConfig Load(string json)
    {
        ConfigLoadResult result = ConfigLoader.Load(_dir.Write("config.json", json));
        Assert.True(result.Succeeded, string.Join("\n", result.FormatErrors()));
        return result.Config!;
    }

    private void WriteBundle(string source, ulong serial, DateTimeOffset? expires = null) =>
        File.WriteAllBytes(_dir.File("p.bundle"), Sign(source, serial, expires));

    private byte[] Sign(string source, ulong serial, DateTimeOffset? expires = null)
    {
        CompiledPolicy policy = CompiledPolicy.FromSource(source, "p.pol", out _)!;
        return BundleSigner.Sign(_key, policy, serial, _time.GetUtcNow(), expires ?? _time.GetUtcNow().AddDays(30)).Encoded.ToArray();
    }
}
