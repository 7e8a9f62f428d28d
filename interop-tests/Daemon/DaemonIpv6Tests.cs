using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.Json;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// IPv6 inside the tunnel between two real daemons (issue 5: "IPv4 and IPv6, inside and outside the tunnel"): each TUN
/// device has an IPv4 /32 and an IPv6 /128 (2001:2::/48, RFC 5180), each daemon routes the other's IPv6 /64 into it,
/// the CHILD_SA's selectors hold both families, and ESP carries the IPv6 packets, judged by the SPD per packet. Checked
/// with real traffic: <c>ping -6</c> and a 1 MiB TCP transfer each way, and a TCP connect to a port the policy does not
/// allow, refused by the server's daemon and counted (<c>drops.policy_denied_in</c>, the default deny's hits). Run over
/// an IPv4 underlay and over an IPv6 one (IKE and ESP-in-UDP between 2001:2::1 and 2001:2::2).
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DaemonIpv6Tests
{
    /// <summary>
    /// TCP 5001 and ICMPv6 both ways (lines 3 to 6); left may call 5002 anywhere (line 7: <c>*</c> never binds the
    /// enforcing host, so right's daemon lets it out at left and refuses it at right by the default deny).
    /// </summary>
    private const string Policy = """
        left = x509{name="left.example.com"};
        right = x509{name="right.example.com"};
        allow tcp/5001(left, right);
        allow tcp/5001(right, left);
        allow icmp6(left, right);
        allow icmp6(right, left);
        allow tcp/5002(left, *);
        """;

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private static readonly IPAddress s_leftTun = IPAddress.Parse("198.19.1.10"), s_rightTun = IPAddress.Parse("198.19.2.10");
    private static readonly IPAddress s_leftTun6 = IPAddress.Parse("2001:2:0:1::10"), s_rightTun6 = IPAddress.Parse("2001:2:0:2::10");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ipv6_inside_the_tunnel_passes_ping_and_tcp_both_ways_and_a_denied_port_is_refused_and_counted(bool ipv6Underlay)
    {
        if (Prerequisites.Root() is { } reason)
        {
            Assert.Skip(reason);
        }

        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        await net.AddIpv6Async();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left", Policy,
            tunAddress6: s_rightTun6, ipv6Underlay: ipv6Underlay);
        (string leftDir, string leftJson) = DaemonConfigs.Write(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, initiate: true, "right", Policy,
            tunAddress6: s_leftTun6, ipv6Underlay: ipv6Underlay);
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);
        (bool up, JsonElement sas) = await left.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(sas, left, right));
        (up, sas) = await right.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(sas, left, right));

        // The negotiated selectors hold both families; the IKE SA runs over the underlay asked for.
        JsonElement child = sas[0].GetProperty("children")[0];
        Assert.Contains(net.Right.InnerSubnet6!, Strings(child, "localSelectors"));
        Assert.Contains(net.Left.InnerSubnet6!, Strings(child, "remoteSelectors"));
        Assert.Contains(net.Right.InnerSubnet, Strings(child, "localSelectors"));
        string peerAddress = sas[0].GetProperty("peerAddress").GetString()!;
        Assert.True(ipv6Underlay ? peerAddress.Contains("2001:2::1", StringComparison.Ordinal) : peerAddress.StartsWith("198.18.0.1", StringComparison.Ordinal), peerAddress);

        ProcessResult ping = await net.Left.Ns.PingAsync(s_leftTun6, s_rightTun6, count: 3);
        Assert.True(ping.ExitCode == 0, Reports(ping, left, right));
        ping = await net.Right.Ns.PingAsync(s_rightTun6, s_leftTun6, count: 3);
        Assert.True(ping.ExitCode == 0, Reports(ping, left, right));
        Assert.Equal(1 << 20, await DaemonHostileTrafficTests.TcpTransferAsync(net.Left.Ns, s_leftTun6, net.Right.Ns, s_rightTun6, 1 << 20));
        Assert.Equal(1 << 20, await DaemonHostileTrafficTests.TcpTransferAsync(net.Right.Ns, s_rightTun6, net.Left.Ns, s_leftTun6, 1 << 20));

        using (Socket listener = Listen(net.Right.Ns, new IPEndPoint(s_rightTun6, 5002)))
        using (Socket client = net.Left.Ns.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(s_leftTun6, 0));
            return s;
        }))
        {
            // The SYN is retransmitted after 1 s; a 3-second bound sees at least two of them refused.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ConnectAsync(new IPEndPoint(s_rightTun6, 5002), cts.Token));
            Assert.False(listener.Poll(0, SelectMode.SelectRead), "the refused connection reached the listener");
        }

        ProcessResult status = await right.CliAsync("status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        using JsonDocument doc = JsonDocument.Parse(status.StandardOutput);
        JsonElement datapath = doc.RootElement.GetProperty("counters").GetProperty("datapath");
        string figures = Reports(doc.RootElement, left, right);
        Assert.True(datapath.GetProperty("drops.policy_denied_in").GetInt64() >= 2, figures);
        List<JsonElement> hits = [.. doc.RootElement.GetProperty("policy").GetProperty("ruleHits").EnumerateArray()];
        Assert.Equal("allow tcp/5001(left, right);", hits[0].GetProperty("text").GetString());
        Assert.True(hits[0].GetProperty("allowed").GetInt64() >= 1, figures);          // left's transfer to right
        Assert.True(hits[1].GetProperty("allowed").GetInt64() >= 1, figures);          // right's transfer to left: allowed outbound at right
        Assert.True(hits[2].GetProperty("allowed").GetInt64() >= 1, figures);          // left's ping -6
        Assert.True(hits[^1].GetProperty("denied").GetInt64() >= 2, figures);          // the SYNs to 5002
        Assert.Contains("Policy denied inbound tcp 2001:2:0:1::10:", right.Log, StringComparison.Ordinal);
        Assert.Contains("-> 2001:2:0:2::10:5002", right.Log, StringComparison.Ordinal);

        // The IPv6 packets went through the SA: the CHILD_SA counted them both ways.
        (_, sas) = await right.WaitSasAsync(Established, s_bound);
        JsonElement counted = sas[0].GetProperty("children")[0];
        Assert.True(counted.GetProperty("packetsIn").GetInt64() > 700 && counted.GetProperty("packetsOut").GetInt64() > 700, counted.ToString());
    }

    private static Socket Listen(Netns ns, IPEndPoint at) => ns.Run(() =>
    {
        var s = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(at);
        s.Listen(4);
        return s;
    });

    private static bool Established(JsonElement sas) =>
        sas.GetArrayLength() == 1 && sas[0].GetProperty("state").GetString() == "established" && sas[0].GetProperty("children").GetArrayLength() == 1;

    private static List<string> Strings(JsonElement e, string property) =>
        [.. e.GetProperty(property).EnumerateArray().Select(x => x.GetString()!)];

    private static string Reports(object what, params DaemonProcess[] daemons) =>
        $"{what}\n" + string.Join("\n", daemons.Select(d => $"--- ipsecfw in {d.Ns} ---\n{d.Log}"));
}
