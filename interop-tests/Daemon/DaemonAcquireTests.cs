using System.Globalization;
using System.Net;
using System.Runtime.Versioning;
using System.Text.Json;
using System.Text.RegularExpressions;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// On-demand SAs between two <c>ipsecfw run</c> daemons (<c>startAction: trap</c>): no SA after start; the first ping
/// raises an acquire, IKE runs, and the echo requests held meanwhile are sent once the CHILD_SA is installed; towards a
/// peer that never answers, the held packets are dropped and counted and the routes stay in the TUN device (fail
/// closed); after the peer deleted the CHILD_SA, a ping creates a new one on the same IKE SA (CREATE_CHILD_SA). Checked with <c>ipsecfw sas --json</c>, the <c>acquire</c> and <c>datapath</c> sections of
/// <c>ipsecfw status --json</c>, and ping's own output.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed partial class DaemonAcquireTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);
    private static readonly IPAddress s_leftTun = IPAddress.Parse("198.19.1.10");
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");

    [Fact]
    public async Task A_trap_peer_negotiates_on_the_first_ping_and_the_echo_requests_held_meanwhile_are_answered()
    {
        SkipUnlessRoot();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left");
        (string leftDir, string leftJson) = DaemonConfigs.WritePeer(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, "trap", "right",
            protectPeerAddress: false, [net.Left.InnerSubnet], [net.Right.InnerSubnet]);
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);

        // Started and trapped, not negotiated: no SA on either side, nothing raised, the route already in the device.
        Assert.Equal(0, (await left.SasAsync()).GetArrayLength());
        IReadOnlyDictionary<string, long> before = await left.CountersAsync("acquire");
        Assert.Equal(0, before["acquires"]);
        Assert.Equal(0, before["peer.right.pending"]);
        Assert.Contains(net.Right.InnerSubnet, (await net.Left.Ns.MustIpAsync("route", "show", "dev", DaemonConfigs.Device)), StringComparison.Ordinal);
        Assert.Equal(0, (await right.SasAsync()).GetArrayLength());

        // Echo requests a second apart until three answers came (ping's -w), for at most 20 s.
        ProcessResult ping = await net.Left.Ns.ExecAsync("ping",
            ["-n", "-c", "3", "-i", "1", "-w", "20", "-I", s_leftTun.ToString(), s_rightTun.ToString()], TimeSpan.FromSeconds(30));
        Assert.True(ping.ExitCode == 0, Reports(ping, left, right));
        SortedSet<int> answered = AnsweredSequences(ping.StandardOutput);

        (bool up, JsonElement sas) = await left.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(sas, left, right));
        Assert.True(sas[0].GetProperty("initiator").GetBoolean());
        IReadOnlyDictionary<string, long> acquire = await left.CountersAsync("acquire");
        IReadOnlyDictionary<string, long> datapath = await left.CountersAsync("datapath");
        string counters = $"{ping}\nacquire: {Show(acquire)}\ndatapath: {Show(datapath)}";

        // One acquire; the first requests waited and went out once the CHILD_SA was in; no acquire drop. (drops.no_sa
        // may rise: the TUN device's own IPv6 link-local chatter has no trap.)
        Assert.True(acquire["acquires"] == 1, Reports(counters, left, right));
        Assert.True(acquire["held"] >= 1, Reports(counters, left, right));
        Assert.True(acquire["released"] == acquire["held"], Reports(counters, left, right));
        Assert.True(acquire["drops.acquire_queue_full"] + acquire["drops.acquire_timeout"] + acquire["drops.acquire_failed"]
            + acquire["drops.acquire_backoff"] + acquire["drops.acquire_request_lost"] == 0, Reports(counters, left, right));
        Assert.True(datapath["packets.outbound"] >= acquire["released"], Reports(counters, left, right));
        // The held requests (1, 2, 3 at least) are answered; ping may have sent a fourth before the three answers came.
        Assert.True(answered.IsSupersetOf([1, 2, 3]), Reports($"answered: {string.Join(',', answered)}\n{counters}", left, right));
        Assert.Contains("Acquire for peer right", left.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_the_peer_deletes_the_child_sa_a_ping_creates_a_new_one_on_the_same_ike_sa_and_the_held_requests_are_answered()
    {
        SkipUnlessRoot();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left");
        (string leftDir, string leftJson) = DaemonConfigs.WritePeer(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, "trap", "right",
            protectPeerAddress: false, [net.Left.InnerSubnet], [net.Right.InnerSubnet]);
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);

        // A first ping brings the IKE SA and its CHILD_SA up (the acquire of the trap).
        ProcessResult first = await net.Left.Ns.ExecAsync("ping",
            ["-n", "-c", "1", "-w", "20", "-I", s_leftTun.ToString(), s_rightTun.ToString()], TimeSpan.FromSeconds(30));
        Assert.True(first.ExitCode == 0, Reports(first, left, right));
        (bool up, JsonElement sas) = await left.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(sas, left, right));
        string ikeSpiI = sas[0].GetProperty("initiatorSpi").GetString()!, ikeSpiR = sas[0].GetProperty("responderSpi").GetString()!;
        string firstChild = sas[0].GetProperty("children")[0].GetProperty("inboundSpi").GetString()!;

        // The right deletes the pair (INFORMATIONAL DELETE, `ipsecfw terminate --children`); the left keeps its IKE SA without one.
        ProcessResult terminate = await right.CliAsync("terminate", "--peer", "left", "--children");
        Assert.True(terminate.ExitCode == 0, Reports(terminate, left, right));
        Assert.Contains("DELETE sent for 1 CHILD_SAs", terminate.StandardOutput, StringComparison.Ordinal);
        (bool childless, sas) = await left.WaitSasAsync(s => s.GetArrayLength() == 1 && s[0].GetProperty("state").GetString() == "established"
            && s[0].GetProperty("children").GetArrayLength() == 0, s_bound);
        Assert.True(childless, Reports(sas, left, right));
        IReadOnlyDictionary<string, long> before = await left.CountersAsync("acquire");

        // More than the acquire queue's retry interval (2 s) after the first acquire, so that this one is not held back.
        await Task.Delay(TimeSpan.FromSeconds(2.5), TestContext.Current.CancellationToken);
        ProcessResult ping = await net.Left.Ns.ExecAsync("ping",
            ["-n", "-c", "3", "-i", "1", "-w", "20", "-I", s_leftTun.ToString(), s_rightTun.ToString()], TimeSpan.FromSeconds(30));
        Assert.True(ping.ExitCode == 0, Reports(ping, left, right));
        SortedSet<int> answered = AnsweredSequences(ping.StandardOutput);

        (up, sas) = await left.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(sas, left, right));
        IReadOnlyDictionary<string, long> acquire = await left.CountersAsync("acquire");
        string counters = $"{ping}\nbefore: {Show(before)}\nafter: {Show(acquire)}\nsas: {sas}";

        // The same IKE SA (SPIs unchanged, still the only one, on both sides) with a new CHILD_SA.
        Assert.True(sas[0].GetProperty("initiatorSpi").GetString() == ikeSpiI && sas[0].GetProperty("responderSpi").GetString() == ikeSpiR,
            Reports(counters, left, right));
        Assert.NotEqual(firstChild, sas[0].GetProperty("children")[0].GetProperty("inboundSpi").GetString());
        JsonElement rightSas = await right.SasAsync();
        Assert.True(rightSas.GetArrayLength() == 1 && rightSas[0].GetProperty("initiatorSpi").GetString() == ikeSpiI
            && rightSas[0].GetProperty("children").GetArrayLength() == 1, Reports($"right: {rightSas}", left, right));

        // One more acquire; the first echo requests waited for the CHILD_SA and all went out; none was dropped.
        Assert.True(acquire["acquires"] == before["acquires"] + 1, Reports(counters, left, right));
        long held = acquire["held"] - before["held"];
        Assert.True(held >= 1, Reports(counters, left, right));
        Assert.True(acquire["released"] - before["released"] == held, Reports(counters, left, right));
        Assert.True(Drops(acquire) == Drops(before), Reports(counters, left, right)); // (the first ping's may count: a slow IKE_AUTH makes ping send more than 8)
        Assert.True(answered.IsSupersetOf([1, 2, 3]), Reports($"answered: {string.Join(',', answered)}\n{counters}", left, right));
        Assert.Contains("creating one (CREATE_CHILD_SA)", left.Log, StringComparison.Ordinal);
        Assert.Contains("peer deleted CHILD_SA", left.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_trap_towards_a_peer_that_never_answers_drops_the_held_packets_counted_and_keeps_the_route()
    {
        SkipUnlessRoot();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string leftDir, string leftJson) = DaemonConfigs.WritePeer(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, "trap", "right",
            protectPeerAddress: false, [net.Left.InnerSubnet], [net.Right.InnerSubnet], dpdTimeoutSeconds: 20);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);

        ProcessResult ping = await net.Left.Ns.ExecAsync("ping",
            ["-n", "-c", "3", "-i", "0.5", "-w", "4", "-I", s_leftTun.ToString(), s_rightTun.ToString()], TimeSpan.FromSeconds(15));
        Assert.NotEqual(0, ping.ExitCode); // nobody answers IKE at the right: no SA, no reply

        // The held requests are dropped once IKE gives up (about 12 s with dpd.timeoutSeconds 20) or the acquire times out (30 s).
        DateTime until = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        IReadOnlyDictionary<string, long> acquire = await left.CountersAsync("acquire");
        while (DateTime.UtcNow < until && !(acquire["held"] >= 1 && acquire["peer.right.held"] == 0 && acquire["peer.right.pending"] == 0))
        {
            await Task.Delay(500, TestContext.Current.CancellationToken);
            acquire = await left.CountersAsync("acquire");
        }

        IReadOnlyDictionary<string, long> datapath = await left.CountersAsync("datapath");
        string counters = $"{ping}\nacquire: {Show(acquire)}\ndatapath: {Show(datapath)}";
        Assert.True(acquire["acquires"] >= 1 && acquire["held"] >= 1, Reports(counters, left));
        Assert.True(acquire["peer.right.held"] == 0 && acquire["peer.right.pending"] == 0, Reports(counters, left));
        Assert.True(acquire["released"] == 0, Reports(counters, left));
        Assert.True(acquire["drops.acquire_timeout"] + acquire["drops.acquire_failed"] == acquire["held"], Reports(counters, left));
        Assert.True(datapath["packets.outbound"] == 0, Reports(counters, left));

        // Fail closed: the route stays in the TUN device, so what is sent later is held or dropped, never sent in clear.
        Assert.Contains(net.Right.InnerSubnet, (await net.Left.Ns.MustIpAsync("route", "show", "dev", DaemonConfigs.Device)), StringComparison.Ordinal);
        Assert.Equal(0, (await left.SasAsync()).GetArrayLength());
        Assert.Contains("held packets dropped", left.Log, StringComparison.Ordinal);
    }

    private static long Drops(IReadOnlyDictionary<string, long> acquire) =>
        acquire["drops.acquire_queue_full"] + acquire["drops.acquire_timeout"] + acquire["drops.acquire_failed"]
        + acquire["drops.acquire_backoff"] + acquire["drops.acquire_request_lost"];

    private static SortedSet<int> AnsweredSequences(string pingOutput) =>
        [.. EchoReply().Matches(pingOutput).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    [GeneratedRegex(@"bytes from \S+ icmp_seq=(\d+)")]
    private static partial Regex EchoReply();

    private static bool Established(JsonElement sas) =>
        sas.GetArrayLength() == 1 && sas[0].GetProperty("state").GetString() == "established" && sas[0].GetProperty("children").GetArrayLength() == 1;

    private static string Show(IReadOnlyDictionary<string, long> counters) => string.Join(", ", counters.Select(c => $"{c.Key}={c.Value}"));

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
