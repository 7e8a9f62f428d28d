using System.Net;
using System.Runtime.Versioning;
using System.Text.Json;
using System.Text.RegularExpressions;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// Peers changed by <c>ipsecfw reload</c> without a restart, between three daemons: the right one runs with the left
/// (unchanged throughout, a ping stream through it must lose nothing and its IKE SA must stay the same); a reload adds
/// a third daemon (<c>startAction: start</c>: the right initiates to it, traffic passes, its route is in the TUN
/// device); a reload changes it (its SA is deleted and a new one made); a file whose new peer cannot be used is refused
/// and changes nothing; a reload removes it (the third gets the DELETE, the route and the trap go).
/// <code>
/// left 198.18.0.1 ---- 198.18.0.2 right 198.18.2.2 ---- 198.18.2.1 third (the topology's collector namespace)
/// TUN  198.19.1.10        198.19.2.10                    198.19.3.10
/// </code>
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed partial class DaemonPeerReloadTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);
    private static readonly IPAddress s_leftTun = IPAddress.Parse("198.19.1.10");
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");
    private static readonly IPAddress s_thirdTun = IPAddress.Parse("198.19.3.10");
    private static readonly IPAddress s_rightToThird = IPAddress.Parse("198.18.2.2");
    private const string ThirdSubnet = "198.19.3.0/24";

    [Fact]
    public async Task Reloads_add_change_and_remove_a_peer_while_an_unchanged_peers_traffic_loses_nothing()
    {
        if (Prerequisites.Root() is { } reason)
        {
            Assert.Skip(reason);
        }

        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        Netns third = await net.AddCollectorAsync();
        await third.MustIpAsync("route", "add", net.Right.Underlay + "/32", "via", s_rightToThird.ToString());
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);

        string rightDir = DaemonConfigs.NewDirectory(pki.IssueHost("right.example.com"));
        string leftPeer = DaemonConfigs.PeerJson("left", net.Left.Underlay, "none", net.Right.InnerSubnet, net.Left.InnerSubnet);
        string rightConfig = Path.Combine(rightDir, "config.json");
        (string leftDir, string leftJson) = DaemonConfigs.WritePeer(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, "start", "right",
            protectPeerAddress: false, [net.Left.InnerSubnet], [net.Right.InnerSubnet]);
        string thirdDir = DaemonConfigs.NewDirectory(pki.IssueHost("third.example.com"));
        string thirdJson = DaemonConfigs.WithPeers(thirdDir, NetnsTopology.CollectorAddress, s_thirdTun,
            DaemonConfigs.PeerJson("right", net.Right.Underlay, "none", ThirdSubnet, net.Right.InnerSubnet));

        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, DaemonConfigs.WithPeers(rightDir, net.Right.Underlay, s_rightTun, leftPeer));
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);
        await using DaemonProcess thirdDaemon = await DaemonProcess.StartAsync(third, thirdDir, thirdJson);
        (bool up, JsonElement sas) = await left.WaitSasAsync(s => Up(s, 1), s_bound);
        Assert.True(up, Reports(sas, left, right, thirdDaemon));
        string leftSpi = sas[0].GetProperty("initiatorSpi").GetString()!;

        // The unchanged peer's traffic: 5 echo requests a second for 30 s, across every reload below.
        Task<ProcessResult> stream = net.Left.Ns.ExecAsync("ping",
            ["-n", "-c", "150", "-i", "0.2", "-w", "60", "-I", s_leftTun.ToString(), s_rightTun.ToString()], TimeSpan.FromSeconds(70));
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);

        // Added: the right starts an IKE SA to the third; traffic passes; the route is in the right's TUN device.
        await File.WriteAllTextAsync(rightConfig, DaemonConfigs.WithPeers(rightDir, net.Right.Underlay, s_rightTun, leftPeer,
            DaemonConfigs.PeerJson("third", NetnsTopology.CollectorAddress, "start", net.Right.InnerSubnet, ThirdSubnet)), TestContext.Current.CancellationToken);
        ProcessResult reload = await right.CliAsync("reload");
        Assert.True(reload.ExitCode == 0, Reports(reload, right));
        Assert.Contains("peers: added third", reload.StandardOutput, StringComparison.Ordinal);
        (up, sas) = await right.WaitSasAsync(s => Up(s, 2) && Of(s, "third") is not null, s_bound);
        Assert.True(up, Reports(sas, right, thirdDaemon));
        string thirdSpi = Of(sas, "third")!.Value.GetProperty("initiatorSpi").GetString()!;
        Assert.True(Of(sas, "third")!.Value.GetProperty("initiator").GetBoolean());
        ProcessResult toThird = await third.PingAsync(s_thirdTun, s_rightTun);
        Assert.True(toThird.ExitCode == 0, Reports(toThird, right, thirdDaemon));
        Assert.Contains(ThirdSubnet, await net.Right.Ns.MustIpAsync("route", "show", "dev", DaemonConfigs.Device), StringComparison.Ordinal);
        Assert.True((await right.CountersAsync("acquire")).ContainsKey("peer.third.pending"));

        // Changed (another liveness interval): deleted and made again, with a new IKE SA.
        await File.WriteAllTextAsync(rightConfig, DaemonConfigs.WithPeers(rightDir, net.Right.Underlay, s_rightTun, leftPeer,
            DaemonConfigs.PeerJson("third", NetnsTopology.CollectorAddress, "start", net.Right.InnerSubnet, ThirdSubnet, dpdSeconds: 20)), TestContext.Current.CancellationToken);
        reload = await right.CliAsync("reload");
        Assert.True(reload.ExitCode == 0, Reports(reload, right));
        Assert.Contains("peers: changed third", reload.StandardOutput, StringComparison.Ordinal);
        (up, sas) = await right.WaitSasAsync(s => Up(s, 2) && Of(s, "third") is { } t && t.GetProperty("initiatorSpi").GetString() != thirdSpi, s_bound);
        Assert.True(up, Reports(sas, right, thirdDaemon));
        toThird = await third.PingAsync(s_thirdTun, s_rightTun);
        Assert.True(toThird.ExitCode == 0, Reports(toThird, right, thirdDaemon));

        // Refused: a new peer whose PSK file does not exist. Nothing changes; the error names the key and the file.
        string refused = DaemonConfigs.WithPeers(rightDir, net.Right.Underlay, s_rightTun, leftPeer,
            DaemonConfigs.PeerJson("third", NetnsTopology.CollectorAddress, "start", net.Right.InnerSubnet, ThirdSubnet, dpdSeconds: 20),
            """{ "name": "fourth", "address": "198.18.2.9", "auth": "psk", "pskFile": "missing.psk", "remoteSubnets": [ "198.19.4.0/24" ] }""");
        await File.WriteAllTextAsync(rightConfig, refused, TestContext.Current.CancellationToken);
        reload = await right.CliAsync("reload");
        Assert.True(reload.ExitCode != 0, Reports(reload, right));
        Assert.Contains("missing.psk", reload.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("198.19.4.0/24", await net.Right.Ns.MustIpAsync("route", "show", "dev", DaemonConfigs.Device), StringComparison.Ordinal);
        Assert.Equal(2, (await right.SasAsync()).GetArrayLength());

        // Removed: the third gets the DELETE; the right's route and trap for it go.
        await File.WriteAllTextAsync(rightConfig, DaemonConfigs.WithPeers(rightDir, net.Right.Underlay, s_rightTun, leftPeer), TestContext.Current.CancellationToken);
        reload = await right.CliAsync("reload");
        Assert.True(reload.ExitCode == 0, Reports(reload, right));
        Assert.Contains("peers: removed third", reload.StandardOutput, StringComparison.Ordinal);
        (bool gone, JsonElement thirdSas) = await thirdDaemon.WaitSasAsync(s => s.GetArrayLength() == 0, s_bound);
        Assert.True(gone, Reports(thirdSas, right, thirdDaemon));
        sas = await right.SasAsync();
        Assert.True(sas.GetArrayLength() == 1 && Of(sas, "left") is not null, Reports(sas, right));
        Assert.DoesNotContain(ThirdSubnet, await net.Right.Ns.MustIpAsync("route", "show", "dev", DaemonConfigs.Device), StringComparison.Ordinal);
        Assert.False((await right.CountersAsync("acquire")).ContainsKey("peer.third.pending"));
        Assert.Contains("peer third removed", right.Log, StringComparison.Ordinal);

        // The unchanged peer: every echo request answered, the same IKE SA all along.
        ProcessResult streamed = await stream;
        Match counts = PingCounts().Match(streamed.StandardOutput);
        Assert.True(streamed.ExitCode == 0 && counts.Success && counts.Groups[1].Value == "150" && counts.Groups[2].Value == "150",
            Reports(streamed, left, right));
        sas = await left.SasAsync();
        Assert.True(sas.GetArrayLength() == 1 && sas[0].GetProperty("initiatorSpi").GetString() == leftSpi, Reports(sas, left, right));
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) received")]
    private static partial Regex PingCounts();

    private static bool Up(JsonElement sas, int count) =>
        sas.GetArrayLength() == count && sas.EnumerateArray().All(s => s.GetProperty("state").GetString() == "established" && s.GetProperty("children").GetArrayLength() == 1);

    private static JsonElement? Of(JsonElement sas, string peer) =>
        sas.EnumerateArray().Where(s => s.TryGetProperty("peerName", out JsonElement n) && n.GetString() == peer).Select(s => (JsonElement?)s).FirstOrDefault();

    private static string Reports(object what, params DaemonProcess[] daemons) =>
        $"{what}\n" + string.Join("\n", daemons.Select(d => $"--- ipsecfw in {d.Ns} ---\n{d.Log}"));
}
