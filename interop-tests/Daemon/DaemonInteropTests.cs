using System.Net;
using System.Runtime.Versioning;
using System.Text.Json;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// The built <c>ipsecfw run</c> end to end, driven only by its configuration file: two daemons in the two namespaces
/// of a <see cref="NetnsTopology"/> (one starts the IKE SA, certificates from a <see cref="TestPki"/>), then one daemon
/// against strongSwan. Checked from outside, as an operator would: <c>ipsecfw sas --json</c> on the control socket,
/// a ping between the TUN addresses, and SIGTERM (the peer must see the DELETE).
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DaemonInteropTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private static readonly IPAddress s_leftTun = IPAddress.Parse("198.19.1.10");
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");

    [Fact]
    public async Task Two_daemons_negotiate_from_their_config_files_ping_and_a_sigterm_deletes_the_sa_at_the_peer()
    {
        SkipUnlessRoot();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left");
        (string leftDir, string leftJson) = DaemonConfigs.Write(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, initiate: true, "right");
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);

        (bool up, JsonElement leftSas) = await left.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(leftSas, left, right));
        (up, JsonElement rightSas) = await right.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(rightSas, left, right));

        JsonElement l = Assert.Single(leftSas.EnumerateArray().ToList()), r = Assert.Single(rightSas.EnumerateArray().ToList());
        Assert.Equal("right", l.GetProperty("peerName").GetString());
        Assert.True(l.GetProperty("initiator").GetBoolean());
        Assert.False(r.GetProperty("initiator").GetBoolean());
        Assert.Contains("right.example.com", l.GetProperty("peerIdentity").GetString(), StringComparison.Ordinal);
        Assert.Contains("left.example.com", r.GetProperty("peerIdentity").GetString(), StringComparison.Ordinal);
        Assert.Equal(l.GetProperty("initiatorSpi").GetString(), r.GetProperty("initiatorSpi").GetString());
        Assert.Equal(l.GetProperty("responderSpi").GetString(), r.GetProperty("responderSpi").GetString());
        Assert.Equal("aes256gcm16-prfsha384-x25519", l.GetProperty("algorithms").GetString());
        JsonElement lc = l.GetProperty("children")[0], rc = r.GetProperty("children")[0];
        Assert.Equal(lc.GetProperty("inboundSpi").GetString(), rc.GetProperty("outboundSpi").GetString());
        Assert.Equal(lc.GetProperty("outboundSpi").GetString(), rc.GetProperty("inboundSpi").GetString());
        Assert.Equal("aes256gcm16", lc.GetProperty("algorithms").GetString());

        ProcessResult ping = await net.Left.Ns.PingAsync(s_leftTun, s_rightTun, count: 5);
        Assert.True(ping.ExitCode == 0, Reports(ping, left, right));
        (bool counted, leftSas) = await left.WaitSasAsync(
            s => s.GetArrayLength() == 1 && s[0].GetProperty("children")[0].GetProperty("packetsIn").GetInt64() >= 1
                && s[0].GetProperty("children")[0].GetProperty("packetsOut").GetInt64() >= 1, TimeSpan.FromSeconds(5));
        Assert.True(counted, Reports(leftSas, left, right));

        Assert.True(await left.TerminateAsync(s_bound), Reports("left did not stop after SIGTERM", left, right));
        Assert.Equal(0, left.ExitCode);
        (bool gone, rightSas) = await right.WaitSasAsync(s => s.GetArrayLength() == 0, TimeSpan.FromSeconds(10));
        Assert.True(gone, Reports(rightSas, left, right));
        Assert.Contains("closed", right.Log, StringComparison.Ordinal);
        Assert.NotEqual(0, (await net.Left.Ns.IpAsync("link", "show", DaemonConfigs.Device)).ExitCode);
    }

    [Fact]
    public async Task The_daemon_initiates_to_strongswan_from_its_config_file_and_pings_through()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        TestCertificate ours = pki.IssueHost("mail-gw.example.com"), theirs = pki.IssueHost("vpn-gw.example.com");
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Cert(theirs), SwanctlAuth.PeerCert(ours.Id)) with { Files = pki.SwanctlFiles(theirs) });
        (string dir, string json) = DaemonConfigs.Write(ours, net.Left, net.Right, s_leftTun, initiate: true, "strongswan");
        await using DaemonProcess daemon = await DaemonProcess.StartAsync(net.Left.Ns, dir, json);

        (bool up, JsonElement sas) = await daemon.WaitSasAsync(Established, s_bound);
        Assert.True(up, StrongSwanInstance.Reports(Reports(sas, daemon), sw));
        ProcessResult ping = await net.Left.Ns.PingAsync(s_leftTun, net.Right.Inner, count: 5);
        Assert.True(ping.ExitCode == 0, StrongSwanInstance.Reports(Reports(ping, daemon), sw));

        IkeSaStatus their = Assert.Single(await sw.ListSasAsync());
        Assert.Equal("ESTABLISHED", their.State);
        Assert.Equal(sas[0].GetProperty("initiatorSpi").GetString(), their.InitiatorSpi);
        Assert.Equal(ours.Id, their.RemoteId);
        ChildSaStatus child = their.Child(SwanctlConfig.DefaultChild) ?? throw new Xunit.Sdk.XunitException(their.ToString());
        Assert.Equal(sas[0].GetProperty("children")[0].GetProperty("outboundSpi").GetString(), child.SpiIn);
        Assert.True(child.PacketsIn >= 5 && child.PacketsOut >= 5, child.ToString());

        Assert.True(await daemon.TerminateAsync(s_bound), Reports("the daemon did not stop after SIGTERM", daemon));
        DateTime until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < until && (await sw.ListSasAsync()).Count > 0)
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        Assert.True((await sw.ListSasAsync()).Count == 0, StrongSwanInstance.Reports(daemon.Log, sw));
    }

    private static bool Established(JsonElement sas) =>
        sas.GetArrayLength() == 1 && sas[0].GetProperty("state").GetString() == "established" && sas[0].GetProperty("children").GetArrayLength() == 1;

    private static string Reports(object what, params DaemonProcess[] daemons) =>
        $"{what}\n" + string.Join("\n", daemons.Select(d => $"--- ipsecfw in {d.Ns} ---\n{d.Log}"));

    private static void SkipUnlessRoot()
    {
        if (Prerequisites.Root() is { } reason)
        {
            Assert.Skip(reason);
        }
    }
}
