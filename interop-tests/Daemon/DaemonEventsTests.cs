using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.Json;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// Intrusion-detection events between two real daemons and a real rsyslog: the server's daemon forwards every denied
/// connection attempt to a collector in a namespace of its own over UDP (RFC 5426) and over TCP (RFC 6587 octet
/// counting) and writes it to its JSON-lines file. A TCP connect through the tunnel to a port the policy refuses
/// must arrive at rsyslog by both transports, with the header (facility, severity, host name, APP-NAME, MSGID) and
/// the structured data as rsyslog itself parses them (mmpstrucdata), and be counted in <c>ipsecfw status</c>.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DaemonEventsTests
{
    /// <summary>
    /// The server may send to the collector in clear (its nftables table refuses anything else it would send in
    /// clear); clients reach TCP 8080 of the server and nothing else.
    /// </summary>
    private const string Policy = """
        clients = x509{name="left.example.com"};
        servers = x509{name="right.example.com"};
        collector = IPv4{198.18.2.1};
        allow tcp/8080(clients, servers);
        allow *(clients, *);
        allow udp/514(servers, collector);
        allow tcp/514(servers, collector);
        """;

    private const int SyslogPort = 514;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private static readonly IPAddress s_leftTun = IPAddress.Parse("198.19.1.10");
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");

    [Fact]
    public async Task A_refused_connection_through_the_tunnel_reaches_rsyslog_over_UDP_and_TCP_and_the_JSON_lines_file()
    {
        if ((Prerequisites.Root() ?? RsyslogCollector.Missing()) is { } reason)
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
              "syslog": [
                { "address": "{{NetnsTopology.CollectorAddress}}", "port": {{SyslogPort}}, "protocol": "udp", "facility": "local4" },
                { "address": "{{NetnsTopology.CollectorAddress}}", "port": {{SyslogPort}}, "protocol": "tcp", "facility": "local4" }
              ]
            }
            """;
        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left", Policy, events: events);
        (string leftDir, string leftJson) = DaemonConfigs.Write(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, initiate: true, "right", Policy);
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);
        (bool up, JsonElement sas) = await left.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(sas, rsyslog, left, right));
        (up, sas) = await right.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(sas, rsyslog, left, right));

        using TcpListener refused = right.Ns.Run(() =>
        {
            var listener = new TcpListener(s_rightTun, 8081);
            listener.Start();
            return listener;
        });
        using (Socket client = left.Ns.Run(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(s_leftTun, 0));
            return socket;
        }))
        {
            // The SYN is dropped by the server's daemon after decryption: the connect gets no answer.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ConnectAsync(new IPEndPoint(s_rightTun, 8081), cts.Token));
            Assert.False(refused.Pending());
        }

        static bool Denial(string line, string input) =>
            line.StartsWith(input + "|", StringComparison.Ordinal) && line.Contains("|denied|", StringComparison.Ordinal)
            && line.Contains("\"destinationport\": \"8081\"", StringComparison.Ordinal);
        string? udp = await rsyslog.WaitLineAsync(l => Denial(l, "imudp"), s_bound);
        string? tcp = await rsyslog.WaitLineAsync(l => Denial(l, "imtcp"), s_bound);
        Assert.True(udp is not null && tcp is not null, Reports(string.Join('\n', rsyslog.Lines()), rsyslog, left, right));

        foreach (string line in new[] { udp!, tcp! })
        {
            string[] parts = line.Split('|', 8);
            Assert.Equal(new[] { "local4", "warning", "right-daemon", "ipsecfw", "denied" }, parts[1..6]);
            using JsonDocument sd = JsonDocument.Parse(parts[6]);
            JsonElement fields = sd.RootElement.GetProperty("ipsecfw@32473");
            Assert.Equal("inbound", fields.GetProperty("direction").GetString());
            Assert.Equal("tcp", fields.GetProperty("protocol").GetString());
            Assert.Equal(s_leftTun.ToString(), fields.GetProperty("source").GetString());
            Assert.Equal(s_rightTun.ToString(), fields.GetProperty("destination").GetString());
            Assert.Contains("left.example.com", fields.GetProperty("peer").GetString(), StringComparison.Ordinal);
            Assert.Equal("left", fields.GetProperty("peername").GetString());
            Assert.Equal(("-1", "default deny", "policy_denied"), (fields.GetProperty("rule").GetString(), fields.GetProperty("ruletext").GetString(), fields.GetProperty("reason").GetString()));
            Assert.StartsWith($"denied inbound tcp {s_leftTun}:", parts[7], StringComparison.Ordinal);
        }

        // The same event in the JSON-lines file beside the server's configuration.
        string file = Path.Combine(rightDir, "events.jsonl");
        string[] jsonLines = File.Exists(file) ? File.ReadAllLines(file) : [];
        string? denied = jsonLines.FirstOrDefault(l => l.Contains("\"destinationPort\":8081", StringComparison.Ordinal));
        Assert.True(denied is not null, Reports(string.Join('\n', jsonLines), rsyslog, left, right));
        using (JsonDocument doc = JsonDocument.Parse(denied!))
        {
            JsonElement root = doc.RootElement;
            Assert.Equal(("denied", "right-daemon", "inbound", -1), (root.GetProperty("event").GetString(), root.GetProperty("host").GetString(),
                root.GetProperty("direction").GetString(), root.GetProperty("rule").GetInt32()));
        }

        IReadOnlyDictionary<string, long> counters = await right.CountersAsync("events");
        Assert.True(counters["emitted"] >= 1, Reports(string.Join(", ", counters), rsyslog, right));
        Assert.True(counters["syslog0.sent"] >= 1 && counters["syslog1.sent"] >= 1 && counters["file.written"] >= 1, string.Join(", ", counters));
        Assert.Equal((0L, 0L), (counters["syslog0.failed"], counters["dropped_queue_full"]));
    }

    private static bool Established(JsonElement sas) =>
        sas.GetArrayLength() == 1 && sas[0].GetProperty("state").GetString() == "established" && sas[0].GetProperty("children").GetArrayLength() == 1;

    private static string Reports(object what, RsyslogCollector rsyslog, params DaemonProcess[] daemons) =>
        $"{what}\n--- rsyslogd ---\n{rsyslog.Output}\n" + string.Join("\n", daemons.Select(d => $"--- ipsecfw in {d.Ns} ---\n{d.Log}"));
}
