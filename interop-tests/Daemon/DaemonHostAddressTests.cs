using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// Host-to-host protection of the hosts' own addresses (<c>protectPeerAddress</c>) between two <c>ipsecfw run</c>
/// daemons: a ping to the peer's veth address and a TCP connection to it go through ESP (the CHILD_SA's counters rise;
/// an nftables counter on the receiving veth sees ESP in UDP/4500 and no ICMP or TCP in clear) while IKE, marked with
/// <c>tun.fwmark</c>, keeps going to that same address by the main table; the policy-routing rule a crashed daemon
/// left is replaced, not doubled; and SIGTERM removes the rule and empties the table.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed partial class DaemonHostAddressTests
{
    private const string Table = "4500";
    private const string ProbeTable = "ipsecfw_probe";
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);
    private static readonly IPAddress s_leftTun = IPAddress.Parse("198.19.1.10");
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");

    [Fact]
    public async Task Ping_and_tcp_to_the_peers_own_address_go_through_esp_and_sigterm_removes_the_rule_and_routes()
    {
        SkipUnlessRoot();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);

        // What a crashed daemon would have left at the left: its rule (the daemon must replace it, not add a second).
        await net.Left.Ns.MustIpAsync("rule", "add", "not", "fwmark", Table, "table", Table);

        (string rightDir, string rightJson) = DaemonConfigs.WritePeer(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, "none", "left",
            protectPeerAddress: true, [], []);
        (string leftDir, string leftJson) = DaemonConfigs.WritePeer(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, "start", "right",
            protectPeerAddress: true, [], []);
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);

        // IKE reached the peer's own address although that address is routed into the TUN device: its packets are marked.
        (bool up, JsonElement sas) = await left.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(sas, left, right));
        (up, JsonElement rightSas) = await right.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(rightSas, left, right));
        string rules = await net.Left.Ns.MustIpAsync("rule", "list");
        Assert.True(RuleCount(rules) == 1, Reports(rules, left, right));
        string routes = await net.Left.Ns.MustIpAsync("route", "show", "table", Table);
        Assert.Contains($"{net.Right.Underlay} dev {DaemonConfigs.Device}", routes, StringComparison.Ordinal);
        Assert.Contains($"src {net.Left.Underlay}", routes, StringComparison.Ordinal);

        await AddProbeAsync(net.Right.Ns);
        ProcessResult ping = await net.Left.Ns.PingAsync(net.Left.Underlay, net.Right.Underlay, count: 5);
        Assert.True(ping.ExitCode == 0, Reports(ping, left, right));
        string echoed = await TcpRoundTripAsync(net);
        Assert.Equal("hello through esp", echoed);

        (bool counted, sas) = await left.WaitSasAsync(
            s => s.GetArrayLength() == 1 && s[0].GetProperty("children")[0].GetProperty("packetsOut").GetInt64() >= 8
                && s[0].GetProperty("children")[0].GetProperty("packetsIn").GetInt64() >= 8, TimeSpan.FromSeconds(10));
        Assert.True(counted, Reports(sas, left, right));
        IReadOnlyDictionary<string, long> probe = await ProbeCountersAsync(net.Right.Ns);
        string seen = string.Join(", ", probe.Select(p => $"{p.Key}={p.Value}"));
        Assert.True(probe["esp"] >= 8, Reports($"probe on the right's veth: {seen}", left, right));
        Assert.True(probe["icmp"] == 0 && probe["tcp"] == 0, Reports($"clear traffic crossed the veth: {seen}", left, right));

        Assert.True(await left.TerminateAsync(s_bound), Reports("left did not stop after SIGTERM", left, right));
        Assert.True(await right.TerminateAsync(s_bound), Reports("right did not stop after SIGTERM", left, right));
        foreach (Netns ns in new[] { net.Left.Ns, net.Right.Ns })
        {
            rules = await ns.MustIpAsync("rule", "list");
            Assert.True(RuleCount(rules) == 0, Reports($"{ns}: {rules}", left, right));
            ProcessResult table = await ns.IpAsync("route", "show", "table", Table);
            Assert.True(table.StandardOutput.Trim().Length == 0, Reports($"{ns}: {table}", left, right));
        }
    }

    /// <summary>A TCP connection from the left's veth address to the right's: one line there, the same line back.</summary>
    private static async Task<string> TcpRoundTripAsync(NetnsTopology net)
    {
        using Socket listener = net.Right.Ns.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(net.Right.Underlay, 0));
            s.Listen(1);
            return s;
        });
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        using Socket client = net.Left.Ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Task<Socket> accepted = listener.AcceptAsync(timeout.Token).AsTask();
        await client.ConnectAsync(new IPEndPoint(net.Right.Underlay, port), timeout.Token);
        using Socket server = await accepted;
        await client.SendAsync(Encoding.ASCII.GetBytes("hello through esp"), timeout.Token);
        byte[] buffer = new byte[64];
        int n = await server.ReceiveAsync(buffer, timeout.Token);
        await server.SendAsync(buffer.AsMemory(0, n), timeout.Token);
        int m = await client.ReceiveAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, m);
    }

    /// <summary>Counts, at the ingress of the right's veth, ICMP, TCP and UDP/4500 (ESP in UDP) packets.</summary>
    private static Task<string> AddProbeAsync(Netns ns) => ns.MustExecAsync("nft",
        $"add table netdev {ProbeTable}; " +
        $"add chain netdev {ProbeTable} in {{ type filter hook ingress device \"vr\" priority 0; policy accept; }}; " +
        $"add rule netdev {ProbeTable} in ip protocol icmp counter comment \"icmp\"; " +
        $"add rule netdev {ProbeTable} in ip protocol tcp counter comment \"tcp\"; " +
        $"add rule netdev {ProbeTable} in udp dport 4500 counter comment \"esp\"");

    private static async Task<IReadOnlyDictionary<string, long>> ProbeCountersAsync(Netns ns)
    {
        string text = await ns.MustExecAsync("nft", "list", "table", "netdev", ProbeTable);
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (Match m in ProbeCounter().Matches(text))
        {
            counters[m.Groups[2].Value] = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        foreach (string name in (string[])["icmp", "tcp", "esp"])
        {
            Assert.True(counters.ContainsKey(name), text);
        }

        return counters;
    }

    [GeneratedRegex(@"counter packets (\d+) bytes \d+ comment ""(\w+)""")]
    private static partial Regex ProbeCounter();

    private static int RuleCount(string rules) => rules.Split('\n').Count(l => l.Contains("lookup " + Table, StringComparison.Ordinal));

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
