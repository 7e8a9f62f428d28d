using System.Net;
using System.Runtime.Versioning;
using System.Text.Json;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// <c>ike.encapsulation: auto</c> between two daemons: without a NAT, ESP travels raw (IP protocol 50) and tcpdump on
/// the right veth sees no UDP/4500 at all; through the NAT topology the NAT detection hashes mismatch and ESP floats to
/// UDP/4500 (RFC 7296 2.23, RFC 3948). Both with the daemons' nftables tables in place.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DaemonRawEspTests
{
    private const int Captured = 200;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private static readonly IPAddress s_leftTun = IPAddress.Parse("198.19.1.10");
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");

    [Fact]
    public async Task Two_daemons_with_auto_encapsulation_and_no_nat_exchange_ping_and_tcp_over_raw_esp()
    {
        if (Prerequisites.Root() is { } reason)
        {
            Assert.Skip(reason);
        }

        SkipUnlessTcpdump();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        ((string rightDir, string rightJson), (string leftDir, string leftJson)) = Configs(net, pki);
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);
        List<string> wire = await CaptureAsync(net, left, right);

        string report = Reports(string.Join('\n', wire.Take(20)), left, right);
        Assert.True(wire.Count == Captured, report);
        Assert.All(wire, line => Assert.True(line.Contains(": ESP(spi=", StringComparison.Ordinal) && !line.Contains("UDP-encap", StringComparison.Ordinal), report));
        Assert.Contains(wire, line => line.StartsWith("IP 198.18.0.1 > 198.18.0.2: ESP", StringComparison.Ordinal));
        Assert.Contains(wire, line => line.StartsWith("IP 198.18.0.2 > 198.18.0.1: ESP", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Through_a_nat_auto_encapsulation_floats_esp_to_udp_4500()
    {
        Preconditions.SkipUnlessNat();
        SkipUnlessTcpdump();
        await using NetnsTopology net = await NetnsTopology.CreateNatAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        ((string rightDir, string rightJson), (string leftDir, string leftJson)) = Configs(net, pki);
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);
        List<string> wire = await CaptureAsync(net, left, right);

        // IKE may share UDP/4500 now (a liveness check behind the non-ESP marker), so a few lines may be IKE; no line is raw ESP.
        string report = Reports(string.Join('\n', wire.Take(20)), left, right);
        Assert.True(wire.Count(line => line.Contains("UDP-encap: ESP(spi=", StringComparison.Ordinal)) >= Captured - 10, report);
        Assert.DoesNotContain(wire, line => line.Contains(": ESP(spi=", StringComparison.Ordinal) && !line.Contains("UDP-encap", StringComparison.Ordinal));
    }

    private static ((string Dir, string Json) Right, (string Dir, string Json) Left) Configs(NetnsTopology net, TestPki pki) =>
        (DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left", encapsulation: "auto"),
         DaemonConfigs.Write(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, initiate: true, "right", encapsulation: "auto"));

    /// <summary>
    /// Waits for the SA, then captures the first <see cref="Captured"/> ESP packets (raw, or in UDP/4500) on the right
    /// veth while a ping and a 1 MiB TCP transfer cross the tunnel; returns tcpdump's lines without their timestamps.
    /// </summary>
    private static async Task<List<string>> CaptureAsync(NetnsTopology net, DaemonProcess left, DaemonProcess right)
    {
        (bool up, JsonElement sas) = await left.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(sas, left, right));

        Task<ProcessResult> capture = net.Right.Ns.ExecAsync("tcpdump",
            ["-i", "vr", "-n", "-p", "-l", "-c", Captured.ToString(System.Globalization.CultureInfo.InvariantCulture), "ip proto 50 or udp port 4500"],
            TimeSpan.FromSeconds(40));
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // tcpdump opens the interface; what it misses is only more traffic

        ProcessResult ping = await net.Left.Ns.PingAsync(s_leftTun, s_rightTun, count: 5);
        Assert.True(ping.ExitCode == 0, Reports(ping, left, right));
        long transferred = await DaemonHostileTrafficTests.TcpTransferAsync(net.Left.Ns, s_leftTun, net.Right.Ns, s_rightTun, 1 << 20);
        Assert.True(transferred == 1 << 20, Reports($"{transferred} of {1 << 20} bytes arrived", left, right));

        ProcessResult captured = await capture;
        Assert.True(captured.ExitCode == 0 && !captured.TimedOut, Reports(captured, left, right));
        return [.. captured.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(StripTime)];
    }

    /// <summary>tcpdump's lines begin with a timestamp: "12:00:00.000000 IP ...".</summary>
    private static string StripTime(string line) => line.IndexOf(' ', StringComparison.Ordinal) is int space and > 0 ? line[(space + 1)..] : line;

    private static void SkipUnlessTcpdump()
    {
        if (!File.Exists("/usr/bin/tcpdump") && !File.Exists("/usr/sbin/tcpdump"))
        {
            Assert.Skip("not run: tcpdump is absent");
        }
    }

    private static bool Established(JsonElement sas) =>
        sas.GetArrayLength() == 1 && sas[0].GetProperty("state").GetString() == "established" && sas[0].GetProperty("children").GetArrayLength() == 1;

    private static string Reports(object what, params DaemonProcess[] daemons) =>
        $"{what}\n" + string.Join("\n", daemons.Select(d => $"--- ipsecfw in {d.Ns} ---\n{d.Log}"));
}
