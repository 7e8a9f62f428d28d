using System.Diagnostics;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text.Json;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Sa;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Ike;

/// <summary>
/// strongSwan scenarios 4 and 6 of the IKE issue: CHILD_SA and IKE_SA rekeys with short lifetimes during a running TCP
/// transfer (by strongSwan and by us), and a NAT between the peers (a third namespace with nftables masquerade).
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class StrongSwanRekeyNatTests
{
    private const string OurName = "mail-gw.example.com";
    private const string TheirName = "vpn-gw.example.com";
    private const int TransferSeconds = 14;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(15);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rekeys_during_a_tcp_transfer_lose_no_connection(bool weRekey)
    {
        Preconditions.SkipUnlessStrongSwan();
        if (!File.Exists("/usr/bin/iperf3"))
        {
            Assert.Skip("not run: iperf3 is not installed");
        }

        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        byte[] psk = RandomNumberGenerator.GetBytes(32);
        var secret = new SwanctlSecret("0x" + Convert.ToHexStringLower(psk), OurName, TheirName);
        SwanctlConfig swConfig = SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Psk(TheirName), SwanctlAuth.Psk(OurName)) with { Secrets = [secret] };
        if (!weRekey)
        {
            // strongSwan rekeys: CHILD_SA every ~4 s (rand_time 10%), IKE SA every ~7 s; esp with PFS.
            // The IKE SA's hard lifetime is rekey_time + over_time (10% by default): give the rekey room.
            swConfig = swConfig.WithConnection(c => c with
                {
                    RekeyTime = "7s",
                    Extra = new Dictionary<string, string> { ["over_time"] = "30s", ["rand_time"] = "0s" },
                })
                .WithChild(c => c with { RekeyTime = "4s", LifeTime = "30s", RandTime = "0s", EspProposals = "aes256gcm16-ecp256" });
        }
        else
        {
            swConfig = swConfig.WithChild(c => c with { EspProposals = "aes256gcm16-ecp256,aes256gcm16" });
        }

        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns, swConfig);
        await using OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet);
        using var auth = new PskAuthenticator(psk, IdentityText.Parse(OurName), IdentityText.Parse(TheirName));
        (var ike, var esp) = IkeSaConfig.ParseProposals(ProposalParser.DefaultIke, "aes256gcm16-ecp256-noesn,aes256gcm16-noesn");
        IkeSaConfig config = Interop.Config(auth, net.Left, net.Right) with
        {
            IkeProposals = ike,
            EspProposals = esp,
            ChildRekeyAfter = weRekey ? TimeSpan.FromSeconds(3) : TimeSpan.Zero,
            IkeRekeyAfter = weRekey ? TimeSpan.FromSeconds(6.5) : TimeSpan.Zero,
        };
        await ours.InitiateAsync(config, net.Right.Underlay);
        IkeSa? first = await ours.WaitEstablishedAsync(s_bound);
        Assert.True(first is not null, StrongSwanInstance.Reports(ours.Report(), sw));

        Process server = Process.Start(ProcessRunner.StartInfo("ip", ["netns", "exec", net.Right.Ns.Name, "iperf3", "-s", "-1", "-B", net.Right.Inner.ToString()]))!;
        try
        {
            await Task.Delay(500, TestContext.Current.CancellationToken);
            ProcessResult client = await net.Left.Ns.ExecAsync("iperf3",
                ["-c", net.Right.Inner.ToString(), "-B", net.Left.Inner.ToString(), "-t", TransferSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "-J"],
                TimeSpan.FromSeconds(TransferSeconds + 20));
            Assert.True(client.ExitCode == 0, StrongSwanInstance.Reports(client, sw) + ours.Report());
            using JsonDocument result = JsonDocument.Parse(client.StandardOutput);
            double received = result.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bytes").GetDouble();
            Assert.True(received > 1_000_000, $"only {received} bytes arrived\n{ours.Report()}");
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{received / TransferSeconds * 8 / 1e6:F0} Mbit/s over {TransferSeconds} s with rekeys by {(weRekey ? "us" : "strongSwan")}");
        }
        finally
        {
            ProcessRunner.Kill(server);
            server.Dispose();
        }

        string log = ours.Logs.Text;
        int childRekeys = CountOf(log, weRekey ? "rekeying CHILD_SA" : "(rekey of");
        int ikeRekeys = CountOf(log, "rekeyed into");
        Assert.True(childRekeys >= 2 && ikeRekeys >= 1, $"CHILD_SA rekeys {childRekeys}, IKE SA rekeys {ikeRekeys}\n{ours.Report()}");
        IkeSa now = Assert.Single(await ours.Engine.SnapshotAsync());
        Assert.NotEqual(first.InitiatorSpi, now.InitiatorSpi);
        Assert.Single(now.Children);
        // strongSwan keeps a rekeyed CHILD_SA listed as DELETED for a few seconds (delete_rekeyed_delay).
        (bool settled, IReadOnlyList<IkeSaStatus> sas) = await sw.WaitForSasAsync(
            l => l.Count == 1 && l[0].Children.Count(c => c.State == "INSTALLED") == 1, TimeSpan.FromSeconds(5));
        Assert.True(settled, string.Join('\n', sas));
        Assert.Equal(now.InitiatorSpi.ToString("x16", System.Globalization.CultureInfo.InvariantCulture), sas[0].InitiatorSpi);
        Assert.Equal(1, ours.Installer.Count);
    }

    [Fact]
    public async Task A_nat_between_the_peers_is_detected_and_esp_floats_to_udp_4500()
    {
        Preconditions.SkipUnlessStrongSwan();
        Preconditions.SkipUnlessNat();
        await using NetnsTopology net = await NetnsTopology.CreateNatAsync();
        byte[] psk = RandomNumberGenerator.GetBytes(32);
        var secret = new SwanctlSecret("0x" + Convert.ToHexStringLower(psk), OurName, TheirName);
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Psk(TheirName), SwanctlAuth.Psk(OurName), remoteAddrs: "%any") with { Secrets = [secret] });
        await using OurIkeEndpoint ours = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet);
        using var auth = new PskAuthenticator(psk, IdentityText.Parse(OurName), IdentityText.Parse(TheirName));

        // No forced encapsulation: the NAT must be found by the NAT_DETECTION hashes alone.
        await ours.InitiateAsync(Interop.Config(auth, net.Left, net.Right) with { ForceUdpEncapsulation = false }, net.Right.Underlay);
        IkeSa? sa = await ours.WaitEstablishedAsync(s_bound);
        Assert.True(sa is not null, StrongSwanInstance.Reports(ours.Report(), sw));
        Assert.True(sa.NatLocal, ours.Report());
        Assert.Equal(4500, sa.RemoteEndPoint.Port);
        Assert.True(sa.Children[0].UdpEncapsulated);

        ProcessResult ping = await net.Left.Ns.PingAsync(net.Left.Inner, net.Right.Inner, count: 5);
        Assert.True(ping.ExitCode == 0, StrongSwanInstance.Reports(ping, sw) + ours.Report());
        IkeSaStatus theirs = Assert.Single(await sw.ListSasAsync());
        Assert.True(theirs.NatRemote, theirs.ToString());
        Assert.Equal(net.LeftAsSeenByRight.ToString(), theirs.RemoteHost);
        ChildSaStatus child = Assert.Single(theirs.Children);
        Assert.True(child.Encap);
        Assert.True(child.PacketsIn >= 5 && child.PacketsOut >= 5, child.ToString());
    }

    private static int CountOf(string text, string what)
    {
        int count = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
