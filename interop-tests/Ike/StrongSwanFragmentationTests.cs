using System.Runtime.Versioning;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Sa;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Ike;

/// <summary>
/// IKEv2 fragmentation (RFC 7383) against strongSwan: RSA certificates make IKE_AUTH larger than a 576-byte MTU, both
/// sides fragment it (strongSwan with <c>charon.fragment_size = 576</c>, ours with <see cref="IkeSaConfig.FragmentMtu"/>
/// 576) and reassemble the other's, with either side initiating; the tunnel then carries a ping.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class StrongSwanFragmentationTests
{
    private const string OurName = "mail-gw.example.com";
    private const string TheirName = "vpn-gw.example.com";
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Ike_auth_with_rsa_certificates_is_fragmented_both_ways(bool weInitiate)
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.Rsa2048);
        TestCertificate ourCert = pki.IssueHost(OurName), theirCert = pki.IssueHost(TheirName);
        CertificateAuthenticator auth = Certificates(ourCert);
        IkeSaConfig config = Interop.Config(auth, net.Left, net.Right) with { FragmentMtu = 576 };
        await using OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet, weInitiate ? null : config);

        // strongSwan's fragmentation = force only changes IKEv1 (fragmenting the first message); for IKEv2 it is yes:
        // announce support and fragment messages larger than charon.fragment_size (the whole IP datagram).
        SwanctlConfig swanctl = SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Cert(theirCert), SwanctlAuth.PeerCert(ourCert.Id))
            .WithFiles(pki.SwanctlFiles(theirCert))
            .WithConnection(c => c with { Extra = new Dictionary<string, string> { ["fragmentation"] = "yes" } });
        var charon = new CharonOptions { Extra = new Dictionary<string, string> { ["fragment_size"] = "576" } };
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns, swanctl, charon);

        if (weInitiate)
        {
            await ours.InitiateAsync(config, net.Right.Underlay);
        }
        else
        {
            ProcessResult up = await sw.InitiateAsync();
            Assert.True(up.ExitCode == 0, StrongSwanInstance.Reports(up, sw) + ours.Report());
        }

        IkeSa? sa = await ours.WaitEstablishedAsync(s_bound);
        Assert.True(sa is not null, StrongSwanInstance.Reports(ours.Report(), sw));
        Assert.Equal(TheirName, sa.PeerIdentity!.CommonName);

        ProcessResult ping = await net.Left.Ns.PingAsync(net.Left.Inner, net.Right.Inner, count: 3);
        Assert.True(ping.ExitCode == 0, StrongSwanInstance.Reports(ping, sw) + ours.Report());
        IkeSaStatus theirs = Assert.Single(await sw.ListSasAsync());
        Assert.Equal("ESTABLISHED", theirs.State);
        Assert.Equal(!weInitiate, theirs.Initiator);

        // Both directions went fragmented: our counters, and strongSwan's own account in its log.
        string counters = $"fragments sent {sa.Counters.FragmentsSent}, received {sa.Counters.FragmentsReceived}, " +
            $"reassembled {sa.Counters.MessagesReassembled}, dropped {sa.Counters.FragmentsDropped}";
        Assert.True(sa.FragmentationNegotiated, counters);
        Assert.True(sa.Counters.FragmentsSent >= 2, counters + StrongSwanInstance.Reports(ours.Report(), sw));
        Assert.True(sa.Counters.FragmentsReceived >= 2 && sa.Counters.MessagesReassembled >= 1, counters + StrongSwanInstance.Reports(ours.Report(), sw));
        string log = sw.ReadLog();
        Assert.True(log.Contains("splitting IKE message", StringComparison.Ordinal), StrongSwanInstance.Reports(counters, sw));
        Assert.True(log.Contains("reassembled fragmented IKE message", StringComparison.Ordinal), StrongSwanInstance.Reports(counters, sw));
    }

    private static CertificateAuthenticator Certificates(TestCertificate cert)
    {
        string dir = Directory.CreateTempSubdirectory("ipsecfw-ike-frag-").FullName;
        cert.WritePlainFiles(dir);
        var credentials = LocalCredentials.Load(Path.Combine(dir, "cert.pem"), Path.Combine(dir, "key.pem"));
        TrustStore trust = TrustStore.Load([Path.Combine(dir, "ca.pem")]);
        Directory.Delete(dir, recursive: true);
        return new CertificateAuthenticator(credentials, trust);
    }
}
