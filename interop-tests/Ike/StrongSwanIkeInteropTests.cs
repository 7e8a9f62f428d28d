using System.Net;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Ike;

/// <summary>
/// Our IKEv2 against strongSwan 5.9 (charon with kernel-libipsec) in two namespaces: each scenario checks both sides
/// (swanctl --list-sas there, our SA list here) and real traffic: a ping from our inner address through our TUN, our
/// ESP engine and strongSwan's libipsec to its inner address and back.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class StrongSwanIkeInteropTests
{
    private const string OurName = "mail-gw.example.com";
    private const string TheirName = "vpn-gw.example.com";
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Ours_initiates_with_psk_and_strongswan_responds()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        (byte[] psk, SwanctlSecret secret) = Psk();
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Psk(TheirName), SwanctlAuth.Psk(OurName)) with { Secrets = [secret] });
        await using OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet);
        using var auth = new PskAuthenticator(psk, IdentityText.Parse(OurName), IdentityText.Parse(TheirName));

        await ours.InitiateAsync(Config(auth, net.Left, net.Right), net.Right.Underlay);
        IkeSa? sa = await ours.WaitEstablishedAsync(s_bound);
        Assert.True(sa is not null, StrongSwanInstance.Reports(ours.Report(), sw));
        Assert.Equal([TheirName], sa.PeerIdentity!.DnsNames);

        await AssertTunnelAsync(net, ours, sw, weInitiated: true);
        // strongSwan's configuration has only ECP-256; ours proposed Curve25519 first, so INVALID_KE_PAYLOAD was followed.
        Assert.Equal(KeyExchangeMethod.Ecp256, sa.Algorithms!.Group);
        Assert.Contains("INVALID_KE_PAYLOAD", ours.Logs.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StrongSwan_initiates_with_psk_and_ours_responds()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        (byte[] psk, SwanctlSecret secret) = Psk();
        using var auth = new PskAuthenticator(psk, IdentityText.Parse(OurName), IdentityText.Parse(TheirName));
        await using OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet, Config(auth, net.Left, net.Right));
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Psk(TheirName), SwanctlAuth.Psk(OurName)) with { Secrets = [secret] });

        ProcessResult up = await sw.InitiateAsync();
        Assert.True(up.ExitCode == 0, StrongSwanInstance.Reports(up, sw) + ours.Report());
        Assert.NotNull(await ours.WaitEstablishedAsync(s_bound));
        await AssertTunnelAsync(net, ours, sw, weInitiated: false);
        Assert.Contains("authentication of 'mail-gw.example.com' with pre-shared key successful", sw.ReadLog(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(PkiKeyType.EcdsaP256, true)]
    [InlineData(PkiKeyType.EcdsaP256, false)]
    [InlineData(PkiKeyType.Rsa2048, true)]
    [InlineData(PkiKeyType.Rsa2048, false)]
    public async Task Certificates_authenticate_both_ways(PkiKeyType keyType, bool weInitiate)
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(keyType);
        TestCertificate ourCert = pki.IssueHost(OurName), theirCert = pki.IssueHost(TheirName);
        CertificateAuthenticator auth = Certificates(ourCert);
        await using OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet, weInitiate ? null : Config(auth, net.Left, net.Right));
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Cert(theirCert), SwanctlAuth.PeerCert(ourCert.Id)) with { Files = pki.SwanctlFiles(theirCert) });

        if (weInitiate)
        {
            await ours.InitiateAsync(Config(auth, net.Left, net.Right), net.Right.Underlay);
        }
        else
        {
            ProcessResult up = await sw.InitiateAsync();
            Assert.True(up.ExitCode == 0, StrongSwanInstance.Reports(up, sw) + ours.Report());
        }

        IkeSa? sa = await ours.WaitEstablishedAsync(s_bound);
        Assert.True(sa is not null, StrongSwanInstance.Reports(ours.Report(), sw));
        Assert.Equal("CN=vpn-gw.example.com,O=Example,C=US", sa.PeerIdentity!.SubjectDn); // RFC 4514 order: last RDN first
        Assert.Equal(TheirName, sa.PeerIdentity.CommonName);
        await AssertTunnelAsync(net, ours, sw, weInitiated: weInitiate);
        IkeSaStatus theirs = Assert.Single(await sw.ListSasAsync());
        Assert.Equal(ourCert.Id, theirs.RemoteId);
    }

    [Theory]
    [InlineData(PkiKeyType.EcdsaP256, "aes256gcm16-prfsha256-ecp256", "aes256gcm16", "AES_GCM_16", 256, "ECP_256", 256)]
    [InlineData(PkiKeyType.Rsa3072, "aes128-sha256-modp2048", "aes128gcm16", "AES_CBC", 128, "MODP_2048", 128)]
    public async Task The_issues_algorithm_scenarios_establish_as_configured(PkiKeyType keyType, string ike, string esp,
        string encr, int encrBits, string group, int espBits)
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(keyType);
        TestCertificate ourCert = pki.IssueHost(OurName), theirCert = pki.IssueHost(TheirName);
        CertificateAuthenticator auth = Certificates(ourCert);
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            (SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Cert(theirCert), SwanctlAuth.PeerCert(ourCert.Id)) with { Files = pki.SwanctlFiles(theirCert) })
                .WithConnection(c => c with { Proposals = ike })
                .WithChild(c => c with { EspProposals = esp }));
        await using OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet);
        (var ikeProposals, var espProposals) = IkeSaConfig.ParseProposals(ike, esp);
        await ours.InitiateAsync(Config(auth, net.Left, net.Right) with { IkeProposals = ikeProposals, EspProposals = espProposals }, net.Right.Underlay);
        IkeSa? sa = await ours.WaitEstablishedAsync(s_bound);
        Assert.True(sa is not null, StrongSwanInstance.Reports(ours.Report(), sw));
        await AssertTunnelAsync(net, ours, sw, weInitiated: true);
        IkeSaStatus theirs = Assert.Single(await sw.ListSasAsync());
        Assert.Equal((encr, encrBits, group), (theirs.EncrAlg, theirs.EncrKeySize, theirs.DhGroup));
        ChildSaStatus child = Assert.Single(theirs.Children);
        Assert.Equal(("AES_GCM_16", espBits), (child.EncrAlg, child.EncrKeySize));
    }

    [Fact]
    public async Task StrongSwan_as_gateway_assigns_our_inside_address_by_cp()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        (byte[] psk, SwanctlSecret secret) = Psk();
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Psk(TheirName), SwanctlAuth.Psk(OurName))
                .WithConnection(c => c with { Pools = "vips" })
                .WithChild(c => c with { RemoteTs = "dynamic" })
                .WithSecrets(secret)
                .WithPools(new SwanctlPool("vips", "198.19.100.16/28")));
        await using OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet);
        using var auth = new PskAuthenticator(psk, IdentityText.Parse(OurName), IdentityText.Parse(TheirName));

        await ours.InitiateAsync(Config(auth, net.Left, net.Right) with { RequestVirtualIp = true }, net.Right.Underlay);
        IkeSa? sa = await ours.WaitEstablishedAsync(s_bound);
        Assert.True(sa is not null, StrongSwanInstance.Reports(ours.Report(), sw));
        IPAddress vip = Assert.Single(sa.VirtualIps);
        Assert.True(IPNetwork.Parse("198.19.100.16/28").Contains(vip), vip.ToString());
        TrafficSelector local = Assert.Single(sa.Children[0].LocalSelectors);
        Assert.Equal((vip, vip), (local.StartAddress, local.EndAddress));

        // The telecommuter's inside address goes on the TUN device and is the source of its corporate traffic.
        await net.Left.Ns.MustIpAsync("addr", "add", vip + "/32", "dev", OurIkeEndpoint.DeviceName);
        ProcessResult ping = await net.Left.Ns.PingAsync(vip, net.Right.Inner, count: 3);
        Assert.True(ping.ExitCode == 0, StrongSwanInstance.Reports(ping, sw) + ours.Report());
        IkeSaStatus theirs = Assert.Single(await sw.ListSasAsync());
        Assert.Equal([vip.ToString()], theirs.RemoteVips);
        Assert.True(Assert.Single(theirs.Children).PacketsIn >= 3);
    }

    [Fact]
    public async Task A_certificate_from_an_unknown_ca_is_refused_with_authentication_failed()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        TestCertificate ourCert = pki.IssueHost(OurName), stranger = pki.IssueFromUnknownCa(TheirName);
        CertificateAuthenticator auth = Certificates(ourCert);
        await using OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet, Config(auth, net.Left, net.Right));
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Cert(stranger), SwanctlAuth.PeerCert(ourCert.Id)) with { Files = [.. pki.SwanctlFiles(null), .. StrangerFiles(stranger)] });

        await AssertRefusedAsync(ours, sw, "UntrustedIssuer");
    }

    [Fact]
    public async Task An_expired_certificate_is_refused_with_authentication_failed()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        TestCertificate ourCert = pki.IssueHost(OurName), expired = pki.IssueExpired(TheirName);
        CertificateAuthenticator auth = Certificates(ourCert);
        await using OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet, Config(auth, net.Left, net.Right));
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Cert(expired), SwanctlAuth.PeerCert(ourCert.Id)) with { Files = pki.SwanctlFiles(expired) });

        await AssertRefusedAsync(ours, sw, "Expired");
    }

    [Fact]
    public async Task A_peer_the_policy_does_not_admit_is_refused_with_authentication_failed()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        TestCertificate ourCert = pki.IssueHost(OurName), theirCert = pki.IssueHost(TheirName);
        CertificateAuthenticator auth = Certificates(ourCert);
        var policy = new ConfiguredSelectorPolicy { Admit = p => p.CommonName == TheirName ? "no rule of the policy admits vpn-gw.example.com" : null };
        await using OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet, Config(auth, net.Left, net.Right), policy);
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Cert(theirCert), SwanctlAuth.PeerCert(ourCert.Id)) with { Files = pki.SwanctlFiles(theirCert) });

        await AssertRefusedAsync(ours, sw, "no rule of the policy admits vpn-gw.example.com");
    }

    [Fact]
    public async Task A_delete_from_strongswan_removes_our_sas_and_our_shutdown_removes_theirs()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        (byte[] psk, SwanctlSecret secret) = Psk();
        using var auth = new PskAuthenticator(psk, IdentityText.Parse(OurName), IdentityText.Parse(TheirName));
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Psk(TheirName), SwanctlAuth.Psk(OurName)) with { Secrets = [secret] });
        OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet);
        try
        {
            await ours.InitiateAsync(Config(auth, net.Left, net.Right), net.Right.Underlay);
            Assert.True(await ours.WaitEstablishedAsync(s_bound) is not null, StrongSwanInstance.Reports(ours.Report(), sw));
            ProcessResult down = await sw.TerminateAsync();
            Assert.True(down.ExitCode == 0, StrongSwanInstance.Reports(down, sw));
            Assert.True(await ours.WaitNoSasAsync(s_bound), ours.Report());
            Assert.Equal(0, ours.Installer.Count);
            Assert.Contains("peer deleted the IKE SA", ours.Logs.Text, StringComparison.Ordinal);

            await ours.InitiateAsync(Config(auth, net.Left, net.Right), net.Right.Underlay);
            Assert.True(await ours.WaitEstablishedAsync(s_bound) is not null, StrongSwanInstance.Reports(ours.Report(), sw));
        }
        finally
        {
            await ours.DisposeAsync();
        }

        (bool gone, IReadOnlyList<IkeSaStatus> left) = await sw.WaitForSasAsync(sas => sas.Count == 0, s_bound);
        Assert.True(gone, StrongSwanInstance.Reports(string.Join('\n', left), sw));
        Assert.Contains("received DELETE for IKE_SA", sw.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Liveness_checks_find_a_killed_strongswan_and_our_sa_is_gone()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        (byte[] psk, SwanctlSecret secret) = Psk();
        using var auth = new PskAuthenticator(psk, IdentityText.Parse(OurName), IdentityText.Parse(TheirName));
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Psk(TheirName), SwanctlAuth.Psk(OurName)) with { Secrets = [secret] });
        await using OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet);
        IkeSaConfig config = Config(auth, net.Left, net.Right) with
        {
            DpdDelay = TimeSpan.FromSeconds(1),
            RetransmitTimeout = TimeSpan.FromMilliseconds(500),
            RetransmitBase = 1.5,
            RetransmitTries = 2,
        };
        await ours.InitiateAsync(config, net.Right.Underlay);
        Assert.True(await ours.WaitEstablishedAsync(s_bound) is not null, StrongSwanInstance.Reports(ours.Report(), sw));

        await sw.StopAsync(); // SIGTERM: charon deletes its SAs on the way out; the liveness check must notice either way
        Assert.True(await ours.WaitNoSasAsync(s_bound), ours.Report());
        Assert.Equal(0, ours.Table.InboundCount + ours.Table.OutboundCount);
    }

    private static IkeSaConfig Config(IIkeAuthenticator auth, NetnsEnd local, NetnsEnd remote) => Interop.Config(auth, local, remote);

    private static (byte[] Psk, SwanctlSecret Secret) Psk()
    {
        byte[] psk = RandomNumberGenerator.GetBytes(32);
        return (psk, new SwanctlSecret("0x" + Convert.ToHexStringLower(psk), OurName, TheirName));
    }

    private static CertificateAuthenticator Certificates(TestCertificate cert)
    {
        string dir = Directory.CreateTempSubdirectory("ipsecfw-ike-").FullName;
        cert.WritePlainFiles(dir);
        var credentials = LocalCredentials.Load(Path.Combine(dir, "cert.pem"), Path.Combine(dir, "key.pem"));
        TrustStore trust = TrustStore.Load([Path.Combine(dir, "ca.pem")]);
        Directory.Delete(dir, recursive: true);
        return new CertificateAuthenticator(credentials, trust);
    }

    private static IEnumerable<SwanctlFile> StrangerFiles(TestCertificate stranger) =>
    [
        new SwanctlFile($"x509/{stranger.CertFile}", stranger.CertificatePem),
        new SwanctlFile($"private/{stranger.CertFile}", stranger.PrivateKeyPem),
    ];

    private static async Task AssertRefusedAsync(OurIkeEndpoint ours, StrongSwanInstance sw, string reason)
    {
        ProcessResult up = await sw.InitiateAsync(timeoutSeconds: 10);
        Assert.True(up.ExitCode != 0, StrongSwanInstance.Reports(up, sw) + ours.Report());
        Assert.True(sw.ReadLog().Contains("received AUTHENTICATION_FAILED notify error", StringComparison.Ordinal),
            StrongSwanInstance.Reports("strongSwan did not see AUTHENTICATION_FAILED", sw) + ours.Report());
        Assert.True(ours.Logs.Text.Contains(reason, StringComparison.Ordinal), $"our log does not say '{reason}'\n{ours.Report()}");
        Assert.True(await ours.WaitNoSasAsync(TimeSpan.FromSeconds(5)), ours.Report());
        Assert.Equal(0, ours.Installer.Count);
        Assert.DoesNotContain(await sw.ListSasAsync(), sa => sa.State == "ESTABLISHED");
    }

    private static async Task AssertTunnelAsync(NetnsTopology net, OurIkeEndpoint ours, StrongSwanInstance sw, bool weInitiated)
    {
        ProcessResult ping = await net.Left.Ns.PingAsync(net.Left.Inner, net.Right.Inner, count: 5);
        Assert.True(ping.ExitCode == 0, StrongSwanInstance.Reports(ping, sw) + ours.Report());

        IkeSa ourSa = Assert.Single(await ours.Engine.SnapshotAsync());
        ChildSa ourChild = Assert.Single(ourSa.Children);
        IkeSaStatus theirs = Assert.Single(await sw.ListSasAsync());
        Assert.Equal("ESTABLISHED", theirs.State);
        Assert.Equal(!weInitiated, theirs.Initiator);
        Assert.Equal(ourSa.InitiatorSpi.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), theirs.InitiatorSpi);
        Assert.Equal(ourSa.ResponderSpi.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), theirs.ResponderSpi);
        ChildSaStatus child = theirs.Child(SwanctlConfig.DefaultChild) ?? throw new Xunit.Sdk.XunitException(theirs.ToString());
        Assert.Equal("INSTALLED", child.State);
        Assert.True(child.Encap);
        Assert.Equal(ourChild.InboundSpi.ToString("x8", System.Globalization.CultureInfo.InvariantCulture), child.SpiOut);
        Assert.Equal(ourChild.OutboundSpi.ToString("x8", System.Globalization.CultureInfo.InvariantCulture), child.SpiIn);
        Assert.True(child.PacketsIn >= 5 && child.PacketsOut >= 5, $"{child}\n{ping.StandardOutput}");
        Assert.True(ours.Counters.OutboundPackets >= 5 && ours.Counters.InboundPackets >= 5, ours.Report());
        Assert.True(ours.Table.TryGetInbound(ourChild.InboundSpi, out var inbound) && inbound.Packets >= 5, ours.Report());
        
    }
}
