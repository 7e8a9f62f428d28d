using System.Net;
using System.Runtime.Versioning;
using System.Text.Json;
using IpsecFw.InteropTests.Nftables;
using IpsecFw.InteropTests.StrongSwan;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// Syslog over TLS (RFC 5425) to a real rsyslog with its gnutls driver, both sides authenticated by certificates the test
/// makes: the daemon checks the collector's certificate against the configured CA and name, rsyslog asks for the
/// daemon's (<c>x509/certvalid</c>). A second collector entry that trusts another CA must refuse the same server: its
/// handshakes are counted as <c>tls_refused</c> and nothing reaches rsyslog through it. The event is a denial in clear
/// (<see cref="DaemonKernelDropEventsTests"/>).
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DaemonSyslogTlsTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Events_reach_rsyslog_over_TLS_and_a_collector_certificate_from_an_unknown_CA_is_refused_and_counted()
    {
        NftPreconditions.SkipUnlessAvailable();
        if (RsyslogCollector.MissingTls() is { } reason)
        {
            Assert.Skip(reason);
        }

        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        Netns collectorNs = await net.AddCollectorAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        using TestPki other = TestPki.Create(PkiKeyType.EcdsaP256);
        string serverDir = Directory.CreateTempSubdirectory("ipsecfw-rsyslog-tls-").FullName;
        try
        {
            pki.IssueServer("collector.example.com", NetnsTopology.CollectorAddress).WritePlainFiles(serverDir);
            await using RsyslogCollector rsyslog = await RsyslogCollector.StartTlsAsync(collectorNs, NetnsTopology.CollectorAddress, 6514,
                Path.Combine(serverDir, "ca.pem"), (Path.Combine(serverDir, "cert.pem"), Path.Combine(serverDir, "key.pem")));

            // syslog0: the right CA and name, the daemon's own certificate as client certificate. syslog1: another CA.
            string events = $$"""
                {
                  "file": "events.jsonl",
                  "hostname": "right-daemon",
                  "syslog": [
                    { "address": "{{NetnsTopology.CollectorAddress}}", "protocol": "tls", "facility": "local4", "caCertificates": [ "ca.pem" ],
                      "serverName": "collector.example.com", "clientCertificate": "cert.pem", "clientKey": "key.pem" },
                    { "address": "{{NetnsTopology.CollectorAddress}}", "protocol": "tls", "facility": "local5", "caCertificates": [ "other-ca.pem" ],
                      "clientCertificate": "cert.pem", "clientKey": "key.pem" }
                  ]
                }
                """;
            (string dir, string json) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, IPAddress.Parse("198.19.2.10"),
                initiate: false, "left", DaemonKernelDropEventsTests.Policy, events: events);
            await File.WriteAllTextAsync(Path.Combine(dir, "other-ca.pem"), other.CaPem, TestContext.Current.CancellationToken);
            await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, dir, json);

            await DaemonKernelDropEventsTests.ConnectRefusedAsync(net, 8081);
            string? line = await rsyslog.WaitLineAsync(
                l => l.Contains("|denied|", StringComparison.Ordinal) && l.Contains("\"destinationport\": \"8081\"", StringComparison.Ordinal), s_bound);
            Assert.True(line is not null, DaemonKernelDropEventsTests.Reports(string.Join('\n', rsyslog.Lines()), rsyslog, right));
            string[] parts = line!.Split('|', 8);
            Assert.Equal(new[] { "imtcp", "local4", "warning", "right-daemon", "ipsecfw", "denied" }, parts[0..6]);
            using (JsonDocument sd = JsonDocument.Parse(parts[6]))
            {
                JsonElement f = sd.RootElement.GetProperty("ipsecfw@32473");
                Assert.Equal(("1", "kernel_drop"), (f.GetProperty("rule").GetString(), f.GetProperty("reason").GetString()));
            }

            // syslog1 had the same event to send: its handshakes fail on the unknown CA, and retry with back-off.
            IReadOnlyDictionary<string, long> counters = await right.CountersAsync("events");
            DateTime until = DateTime.UtcNow + s_bound;
            while (counters["syslog1.tls_refused"] == 0 && DateTime.UtcNow < until)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
                counters = await right.CountersAsync("events");
            }

            string all = string.Join(", ", counters);
            Assert.True(counters["syslog0.sent"] >= 1 && counters["syslog0.connects"] >= 1, all);
            Assert.Equal((0L, 0L), (counters["syslog0.tls_refused"], counters["syslog0.failed"]));
            Assert.True(counters["syslog1.tls_refused"] >= 1, all + "\n" + right.Log);
            Assert.Equal((0L, 0L), (counters["syslog1.sent"], counters["syslog1.connects"]));
            Assert.Contains("(tls) unreachable: TLS refused", right.Log, StringComparison.Ordinal);
            Assert.DoesNotContain(rsyslog.Lines(), l => l.Contains("|local5|", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(serverDir, recursive: true);
        }
    }
}
