using System.Net;
using System.Runtime.Versioning;
using System.Text.Json;
using IpsecFw.InteropTests.Nftables;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// <c>ipsecfw run</c> and its nftables table, in a namespace: a table a crashed daemon left (with a stray chain that
/// drops all forwarding) is replaced at start, the running table accepts the TUN device and IKE and counts the default
/// deny, <c>status</c> reports it, a SIGHUP with a new policy re-installs it, and SIGTERM removes it.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DaemonFirewallTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);

    /// <summary>Line 2 lets this host call anyone (in clear too: an output rule of the table); nothing may come in.</summary>
    private const string CallsOutPolicy = """
        hosts = x509{name="*.example.com"};
        allow *(hosts, *);
        """;

    [Fact]
    public async Task Run_replaces_a_stale_table_reinstalls_it_on_a_new_policy_and_removes_it_on_sigterm()
    {
        NftPreconditions.SkipUnlessAvailable();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        Netns ns = net.Left.Ns;
        await ns.MustExecAsync("nft", "add table inet ipsecfw; add chain inet ipsecfw stale { type filter hook forward priority 0; policy drop; }");
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string dir, string json) = DaemonConfigs.Write(pki.IssueHost("left.example.com"), net.Left, net.Right, IPAddress.Parse("198.19.1.10"), initiate: false, "right",
            CallsOutPolicy);
        await using DaemonProcess daemon = await DaemonProcess.StartAsync(ns, dir, json);

        string table = await ns.MustExecAsync("nft", "list", "table", "inet", "ipsecfw");
        Assert.DoesNotContain("chain stale", table, StringComparison.Ordinal);
        Assert.Contains($"iifname \"{DaemonConfigs.Device}\" accept", table, StringComparison.Ordinal);
        Assert.Contains("udp dport { 500, 4500 } accept", table, StringComparison.Ordinal);
        Assert.Contains("ct state new counter packets 0 bytes 0 accept comment \"ipsecfw rule 0 line 2\"", table, StringComparison.Ordinal);

        // Something the policy does not allow in clear: the default deny counts it, and status shows the counter.
        ProcessResult ping = await net.Right.Ns.PingAsync(net.Right.Underlay, net.Left.Underlay, count: 2);
        Assert.NotEqual(0, ping.ExitCode);
        JsonElement firewall = await FirewallStatusAsync(daemon);
        Assert.Equal(1, firewall.GetProperty("applied").GetInt64());
        Assert.True(firewall.GetProperty("input_default_packets").GetInt64() >= 2, firewall.ToString());
        Assert.True(NftTrafficTests.Counter(await ns.MustExecAsync("nft", "list", "table", "inet", "ipsecfw"), "ipsecfw default deny") >= 2);

        // A new policy (SIGHUP): the table follows it.
        await File.AppendAllTextAsync(Path.Combine(dir, "policy.pol"), "\nallow icmp(*, hosts);\n", TestContext.Current.CancellationToken);
        await ProcessRunner.RunAsync("/bin/kill", ["-HUP", daemon.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], s_bound, TestContext.Current.CancellationToken);
        DateTime until = DateTime.UtcNow + s_bound;
        while (DateTime.UtcNow < until && (await FirewallStatusAsync(daemon)).GetProperty("applied").GetInt64() < 2)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.Equal(2, (await FirewallStatusAsync(daemon)).GetProperty("applied").GetInt64());
        Assert.Contains("meta l4proto icmp ct state new counter", await ns.MustExecAsync("nft", "list", "table", "inet", "ipsecfw"), StringComparison.Ordinal);

        Assert.True(await daemon.TerminateAsync(s_bound), daemon.Log);
        Assert.Equal(0, daemon.ExitCode);
        Assert.NotEqual(0, (await ns.ExecAsync("nft", ["list", "table", "inet", "ipsecfw"])).ExitCode);
        Assert.Contains("nftables table inet ipsecfw removed", daemon.Log, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> FirewallStatusAsync(DaemonProcess daemon)
    {
        ProcessResult r = await daemon.CliAsync("status", "--json");
        Assert.True(r.ExitCode == 0, $"{r}\n{daemon.Log}");
        using var doc = JsonDocument.Parse(r.StandardOutput);
        return doc.RootElement.GetProperty("counters").GetProperty("firewall").Clone();
    }
}
