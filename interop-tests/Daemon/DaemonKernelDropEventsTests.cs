using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.Json;
using IpsecFw.InteropTests.Nftables;
using IpsecFw.InteropTests.StrongSwan;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// Intrusion-detection events for traffic in clear: the daemon's nftables table denies it in the kernel, its NFLOG rules
/// hand the packets to the daemon (nfnetlink_log), and each becomes a <c>denied</c> event with reason
/// <c>kernel_drop</c> and the deciding rule, in the JSON-lines file and at a real rsyslog (TCP), counted in
/// <c>ipsecfw status</c>; SIGTERM stops the reader and removes the table. Only the server's daemon runs: the other
/// namespace is a host without IPsec that connects in clear.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DaemonKernelDropEventsTests
{
    /// <summary>Rule 1 (line 6) denies TCP 8081 from the host in clear; anything else it sends meets the default deny.</summary>
    internal const string Policy = """
        clients = x509{name="left.example.com"};
        servers = x509{name="right.example.com"};
        outsiders = IPv4{198.18.0.1};
        collector = IPv4{198.18.2.1};
        allow *(clients, servers);
        deny tcp/8081(outsiders, servers);
        allow tcp/514(servers, collector);
        allow tcp/6514(servers, collector);
        """;

    private const int SyslogPort = 514;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Connections_the_table_denies_in_clear_become_events_with_their_rule_in_the_file_and_at_rsyslog()
    {
        NftPreconditions.SkipUnlessAvailable();
        if (RsyslogCollector.Missing() is { } reason)
        {
            Assert.Skip(reason);
        }

        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        Netns collectorNs = await net.AddCollectorAsync();
        await using RsyslogCollector rsyslog = await RsyslogCollector.StartAsync(collectorNs, NetnsTopology.CollectorAddress, SyslogPort);
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        string events = $$"""
            {
              "file": "events.jsonl",
              "hostname": "right-daemon",
              "nflogGroup": 4242,
              "syslog": [ { "address": "{{NetnsTopology.CollectorAddress}}", "port": {{SyslogPort}}, "protocol": "tcp", "facility": "local4" } ]
            }
            """;
        (string dir, string json) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, IPAddress.Parse("198.19.2.10"), initiate: false,
            "left", Policy, events: events);
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, dir, json);
        string table = await right.Ns.MustExecAsync("nft", "list", "table", "inet", "ipsecfw");
        Assert.Contains("log prefix \"ipsecfw: rule 1 line 6 \" group 4242 snaplen 256", table, StringComparison.Ordinal);

        // Two connections in clear: one to the port rule 1 denies, one that only the default deny refuses.
        await ConnectRefusedAsync(net, 8081);
        await ConnectRefusedAsync(net, 8082);

        static bool Denial(string line, int port) =>
            line.StartsWith("imtcp|", StringComparison.Ordinal) && line.Contains("|denied|", StringComparison.Ordinal)
            && line.Contains($"\"destinationport\": \"{port}\"", StringComparison.Ordinal);
        string? byRule = await rsyslog.WaitLineAsync(l => Denial(l, 8081), s_bound);
        string? byDefault = await rsyslog.WaitLineAsync(l => Denial(l, 8082), s_bound);
        Assert.True(byRule is not null && byDefault is not null, Reports(string.Join('\n', rsyslog.Lines()), rsyslog, right));

        string[] parts = byRule!.Split('|', 8);
        Assert.Equal(new[] { "local4", "warning", "right-daemon", "ipsecfw", "denied" }, parts[1..6]);
        using (JsonDocument sd = JsonDocument.Parse(parts[6]))
        {
            JsonElement f = sd.RootElement.GetProperty("ipsecfw@32473");
            Assert.Equal(("inbound", "tcp", net.Left.Underlay.ToString(), net.Right.Underlay.ToString(), "vr"),
                (f.GetProperty("direction").GetString(), f.GetProperty("protocol").GetString(), f.GetProperty("source").GetString(),
                    f.GetProperty("destination").GetString(), f.GetProperty("interface").GetString()));
            Assert.Equal(("1", "6", "deny tcp/8081(outsiders, servers);", "kernel_drop"),
                (f.GetProperty("rule").GetString(), f.GetProperty("line").GetString(), f.GetProperty("ruletext").GetString(), f.GetProperty("reason").GetString()));
            Assert.False(f.TryGetProperty("spi", out _));
        }

        Assert.StartsWith($"denied inbound tcp {net.Left.Underlay}:", parts[7], StringComparison.Ordinal);
        Assert.Contains($"-> {net.Right.Underlay}:8081 in clear on vr by rule 1 line 6 (nftables)", parts[7], StringComparison.Ordinal);
        Assert.Contains("\"rule\": \"-1\"", byDefault!, StringComparison.Ordinal);
        Assert.Contains("\"ruletext\": \"default deny\"", byDefault!, StringComparison.Ordinal);

        // The same events in the JSON-lines file.
        string[] lines = File.ReadAllLines(Path.Combine(dir, "events.jsonl"));
        string? line = lines.FirstOrDefault(l => l.Contains("\"destinationPort\":8081", StringComparison.Ordinal));
        Assert.True(line is not null, Reports(string.Join('\n', lines), rsyslog, right));
        using (JsonDocument doc = JsonDocument.Parse(line!))
        {
            JsonElement root = doc.RootElement;
            Assert.Equal(("denied", "inbound", 1, 6, "kernel_drop"), (root.GetProperty("event").GetString(), root.GetProperty("direction").GetString(),
                root.GetProperty("rule").GetInt32(), root.GetProperty("line").GetInt32(), root.GetProperty("reason").GetString()));
        }

        IReadOnlyDictionary<string, long> counters = await right.CountersAsync("events");
        Assert.True(counters["nflog.bound"] == 1 && counters["nflog.recorded"] >= 2, string.Join(", ", counters));
        Assert.Equal((0L, 0L, 0L), (counters["nflog.dropped_malformed"], counters["nflog.dropped_foreign_prefix"], counters["nflog.dropped_unclassifiable"]));

        // SIGTERM: the reader stops with the rest, the table goes.
        Assert.True(await right.TerminateAsync(s_bound), right.Log);
        Assert.Equal(0, right.ExitCode);
        Assert.Contains("NFLOG group 4242 bound", right.Log, StringComparison.Ordinal);
        Assert.NotEqual(0, (await right.Ns.ExecAsync("nft", ["list", "table", "inet", "ipsecfw"])).ExitCode);
    }

    /// <summary>A TCP connect from left, in clear, to right's <paramref name="port"/>: the SYN is dropped, so it times out (3 s).</summary>
    internal static async Task ConnectRefusedAsync(NetnsTopology net, int port)
    {
        using Socket client = net.Left.Ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ConnectAsync(new IPEndPoint(net.Right.Underlay, port), cts.Token));
    }

    internal static string Reports(object what, RsyslogCollector rsyslog, DaemonProcess daemon) =>
        string.Create(CultureInfo.InvariantCulture, $"{what}\n--- rsyslogd ---\n{rsyslog.Output}\n--- ipsecfw in {daemon.Ns} ---\n{daemon.Log}");
}
