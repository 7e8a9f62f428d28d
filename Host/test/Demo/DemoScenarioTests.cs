using System.Security.Cryptography.X509Certificates;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Host.Demo;
using IpsecFw.Host.Tests.Support;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Tests.Demo;

/// <summary>
/// The parts of <c>ipsecfw demo</c> that need no namespaces: the expected column against the compiled policy, the
/// certificates' places in the groups, the daemons' configuration files, and the table. The real traffic is
/// interop-tests/Demo/DemoTests.
/// </summary>
public sealed class DemoScenarioTests
{
    private static readonly TimeProvider s_time = TimeProvider.System;

    public static TheoryData<int, int, string> Rows => new(
        DemoScenario.Figure1.Select((c, i) => (1, i, c.Label)).Concat(DemoScenario.Figure2.Select((c, i) => (2, i, c.Label))));

    [Theory]
    [MemberData(nameof(Rows))]
    public void The_policy_gives_the_papers_verdict_for_every_row(int figure, int index, string connection)
    {
        using DemoPki pki = DemoPki.Create(s_time);
        DemoPolicyModel model = Model(pki, figure);
        DemoConnection row = (figure == 1 ? DemoScenario.Figure1 : DemoScenario.Figure2)[index];
        DemoDecision decision = model.Decide(row);
        (DemoVerdict verdict, string rule) = (decision.Verdict, decision.Rule);
        Assert.True(verdict == row.Expected, $"{connection}: the policy says {verdict} by {rule}; the paper {row.Expected}");
        Assert.True(verdict == DemoVerdict.Denied ? rule.Contains("default deny", StringComparison.Ordinal) : rule.Contains("line ", StringComparison.Ordinal), rule);
    }

    [Fact]
    public void The_deciding_rules_name_the_side_and_the_line()
    {
        using DemoPki pki = DemoPki.Create(s_time);
        DemoPolicyModel figure1 = Model(pki, 1), figure2 = Model(pki, 2);
        Assert.Equal("host1 in: line 6 allow smtp(mail_gw, inside_net);", figure1.Decide(Row(1, "SMTP mail gateway -> host1 (SA)")).Rule);
        Assert.Equal("host2 in: default deny", figure1.Decide(Row(1, "SMTP host1 -> host2 (subverted host) (SA)")).Rule);
        Assert.Equal("host1 in: line 6 ntp(time_server,inside_net);", figure2.Decide(Row(2, "NTP time server -> host1")).Rule);
        Assert.Equal("host2 out: default deny", figure2.Decide(Row(2, "HTTP host2 (old certificate) -> outsider")).Rule);
        Assert.Equal("mail-gw in: line 5 allow smtp(*, mail_gw);", figure1.Decide(Row(1, "SMTP outsider -> mail gateway")).Rule);
    }

    [Fact]
    public void The_counter_of_a_decision_is_the_firewalls_for_clear_traffic_and_the_data_paths_for_an_sa()
    {
        using DemoPki pki = DemoPki.Create(s_time);
        DemoPolicyModel figure1 = Model(pki, 1);
        DemoConnection clearIn = Row(1, "NTP time server -> host1"), clearOut = Row(1, "HTTP host1 -> outsider (outbound call)"),
            denied = Row(1, "SMTP outsider -> host1"), sa = Row(1, "SMTP mail gateway -> host1 (SA)");
        Assert.Equal("clear:input_rule_2_packets", DemoCounters.Key(clearIn, figure1.Decide(clearIn)));
        Assert.Equal("clear:output_rule_3_packets", DemoCounters.Key(clearOut, figure1.Decide(clearOut)));
        Assert.Equal("clear:input_default_packets", DemoCounters.Key(denied, figure1.Decide(denied)));
        Assert.Equal("sa:rule_1", DemoCounters.Key(sa, figure1.Decide(sa)));
        var before = new Dictionary<string, long> { ["clear:input_rule_2_packets"] = 3 };
        var after = new Dictionary<string, long> { ["clear:input_rule_2_packets"] = 5, ["sa:rule_1"] = 1 };
        Assert.Equal(2, DemoCounters.Rise(before, after, "clear:input_rule_2_packets"));
        Assert.Equal(1, DemoCounters.Rise(before, after, "sa:rule_1"));
        Assert.Null(DemoCounters.Rise(before, after, "clear:input_default_packets"));
    }

    [Fact]
    public void Figure2_demotes_only_the_host_with_the_old_certificate()
    {
        using DemoPki pki = DemoPki.Create(s_time);
        DemoPolicyModel figure1 = Model(pki, 1), figure2 = Model(pki, 2);
        Assert.Equal("inside_net", figure1.GroupsOf(DemoCast.Host2));
        Assert.Equal("no group", figure2.GroupsOf(DemoCast.Host2));
        Assert.Equal("inside_net", figure2.GroupsOf(DemoCast.Host1));
        Assert.Equal("inside_net", figure2.GroupsOf(DemoCast.Telecommuter));
        Assert.Equal("inside_net, mail_gw", figure2.GroupsOf(DemoCast.MailGateway));
        Assert.Equal("no certificate", figure2.GroupsOf(DemoCast.TimeServer));
    }

    [Fact]
    public void Each_daemons_configuration_passes_config_check_with_one_responder_and_one_initiator_per_pair()
    {
        using DemoPki pki = DemoPki.Create(s_time);
        using var signer = new DemoSigner(s_time);
        byte[] bundle = signer.Sign(DemoPolicies.Figure1(DemoCast.TimeServer.Underlay), "figure1.pol").Encoded.ToArray();
        using var dir = new TempDirectory();
        var initiators = new List<(string From, string To)>();
        foreach (DemoHost h in DemoCast.Daemons)
        {
            (X509Certificate2 cert, string certPem, string keyPem) = pki.Issue(h.CertificateName!, s_time.GetUtcNow().AddHours(-1), s_time);
            cert.Dispose();
            string hostDir = Path.Combine(dir.Path, h.Key);
            DemoHostFiles.Write(hostDir, h, DemoCast.Daemons, certPem, keyPem, pki.CaPem, signer.PublicKeyFile, bundle);
            ConfigLoadResult loaded = ConfigLoader.Load(Path.Combine(hostDir, "config.json"));
            Assert.True(loaded.Succeeded, string.Join("\n", loaded.FormatErrors()));
            HostConfig config = loaded.Config!;
            Assert.Equal(DemoHostFiles.ResponderPeer, IkeService.ResponderPeer(config)!.Name);
            initiators.AddRange(config.Peers.Where(p => p.StartAction == StartAction.Start).Select(p => (h.Key, p.Name)));
        }

        // Every unordered pair of daemons exactly once.
        Assert.Equal(DemoCast.Daemons.Count * (DemoCast.Daemons.Count - 1) / 2, initiators.Count);
        Assert.Equal(initiators.Count, initiators.Select(p => string.CompareOrdinal(p.From, p.To) < 0 ? (p.From, p.To) : (p.To, p.From)).Distinct().Count());
    }

    [Fact]
    public void The_table_marks_the_rows_that_differ_from_the_paper()
    {
        DemoConnection allowed = DemoScenario.Figure1[0], denied = DemoScenario.Figure1[1];
        string table = DemoTable.Format(
        [
            new DemoRow(allowed, new DemoDecision(DemoVerdict.Allowed, "mail-gw in: line 5 allow smtp(*, mail_gw);", DemoCast.MailGateway, true, 0),
                new DemoObservation(DemoVerdict.Allowed, "answered"), Counted: 1),
            new DemoRow(denied, new DemoDecision(DemoVerdict.Denied, "host1 in: default deny", DemoCast.Host1, true, -1),
                new DemoObservation(DemoVerdict.Allowed, "answered")),
        ]);
        string[] lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("  " + allowed.Label, lines[2], StringComparison.Ordinal);
        Assert.StartsWith("! " + denied.Label, lines[3], StringComparison.Ordinal);
        Assert.Contains("DENIED    ALLOWED   -", lines[3], StringComparison.Ordinal);
        Assert.Contains("ALLOWED   ALLOWED   +1", lines[2], StringComparison.Ordinal);
    }

    private static DemoConnection Row(int figure, string label) =>
        (figure == 1 ? DemoScenario.Figure1 : DemoScenario.Figure2).Single(c => c.Label == label);

    private static DemoPolicyModel Model(DemoPki pki, int figure)
    {
        var identities = new Dictionary<string, PeerIdentity>(StringComparer.Ordinal);
        foreach (DemoHost h in DemoCast.Daemons)
        {
            DateTimeOffset notBefore = h == DemoCast.Host2 ? DemoCast.OldCertificateDate : s_time.GetUtcNow().AddHours(-1);
            (X509Certificate2 cert, _, _) = pki.Issue(h.CertificateName!, notBefore, s_time);
            using (cert)
            {
                identities[h.Key] = SelfIdentity.FromCertificate(cert);
            }
        }

        string source = figure == 1 ? DemoPolicies.Figure1(DemoCast.TimeServer.Underlay) : DemoPolicies.Figure2(DemoCast.TimeServer.Underlay);
        return new DemoPolicyModel(source, $"figure{figure}.pol", identities);
    }
}
