using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Tests.Figures;

public sealed class PaperFigureTests
{
    private static readonly DateTimeOffset s_current = new(2000, 1, 10, 0, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, TestHost> s_hosts = new()
    {
        ["mailgw"] = TestHost.WithCertificate("mail-gw.example.com", "198.19.0.25", s_current),
        ["host1"] = TestHost.WithCertificate("host1.example.com", "198.19.0.1", s_current),
        ["host2"] = TestHost.WithCertificate("host2.example.com", "198.19.0.2", s_current),
        // Figure 2: a certificate issued before the 1999-03-15 fix, one issued on that day, one after.
        ["oldhost"] = TestHost.WithCertificate("old.example.com", "198.19.0.3", new(1999, 3, 1, 0, 0, 0, TimeSpan.Zero)),
        ["sameday"] = TestHost.WithCertificate("sameday.example.com", "198.19.0.4", new(1999, 3, 15, 12, 0, 0, TimeSpan.Zero)),
        ["newhost"] = TestHost.WithCertificate("new.example.com", "198.19.0.5", new(1999, 3, 16, 0, 0, 0, TimeSpan.Zero)),
        ["attacker"] = TestHost.WithCertificate("mail-gw.attacker.org", "198.19.0.66", s_current),
        ["timeserver"] = TestHost.Anonymous("192.0.2.123"),
        ["outsider"] = TestHost.Anonymous("203.0.113.9"),
        ["web"] = TestHost.Anonymous("198.51.100.7"),
    };

    // figure, service, from, to, allowed, the line of the rule that decides at the deciding side (0: default deny)
    public static TheoryData<int, string, string, string, bool, int> Connections => new()
    {
        // SMTP from anywhere reaches the mail gateway only.
        { 1, "smtp", "outsider", "mailgw", true, 5 },
        { 1, "smtp", "outsider", "host1", false, 0 },
        { 1, "smtp", "host1", "mailgw", true, 5 },
        // The mail gateway reaches SMTP on every inside host.
        { 1, "smtp", "mailgw", "host1", true, 6 },
        { 1, "smtp", "mailgw", "host2", true, 6 },
        // An inside host cannot reach SMTP on another inside host: the subverted-host case.
        { 1, "smtp", "host1", "host2", false, 0 },
        { 1, "smtp", "host2", "host1", false, 0 },
        // A certificate merely claiming to be a mail gateway elsewhere is nobody.
        { 1, "smtp", "attacker", "host1", false, 0 },
        // NTP from the time server's address reaches inside hosts; from any other address it does not.
        { 1, "ntp", "timeserver", "host1", true, 7 },
        { 1, "ntp", "timeserver", "mailgw", true, 7 },
        { 1, "ntp", "outsider", "host1", false, 0 },
        // All outgoing calls from inside hosts are permitted, and nothing else comes in.
        { 1, "ssh", "host1", "outsider", true, 8 },
        { 1, "https", "host2", "web", true, 8 },
        { 1, "domain", "mailgw", "web", true, 8 },
        { 1, "ssh", "outsider", "host1", false, 0 },
        { 1, "ssh", "host1", "host2", false, 0 },
        { 1, "http", "attacker", "web", false, 0 },
        // Figure 2: the same, with the version check.
        { 2, "smtp", "outsider", "mailgw", true, 5 },
        { 2, "smtp", "mailgw", "host1", true, 6 },
        { 2, "smtp", "host1", "host2", false, 0 },
        { 2, "ntp", "timeserver", "host1", true, 6 },
        { 2, "ssh", "host1", "outsider", true, 7 },
        // A host whose certificate predates 1999-03-15 is outside: no SMTP from the gateway, no NTP, no calls out.
        { 2, "smtp", "mailgw", "oldhost", false, 0 },
        { 2, "ntp", "timeserver", "oldhost", false, 0 },
        { 2, "ssh", "oldhost", "outsider", false, 0 },
        { 2, "smtp", "oldhost", "mailgw", false, 0 },
        // ver>19990315 is strict: issued on the day is still outside; the day after is inside.
        { 2, "ssh", "sameday", "outsider", false, 0 },
        { 2, "ssh", "newhost", "outsider", true, 7 },
        { 2, "smtp", "mailgw", "newhost", true, 6 },
        // In Figure 1 the old certificate is still inside.
        { 1, "smtp", "mailgw", "oldhost", true, 6 },
    };

    [Theory]
    [MemberData(nameof(Connections))]
    public void Connection_gets_the_verdict_the_paper_gives(int figure, string service, string from, string to,
        bool allowed, int decidingLine)
    {
        PolicySnapshot policy = Scenario.Compile(figure == 1 ? PaperFigures.Figure1 : PaperFigures.Figure2);
        (bool actual, Verdict? outbound, Verdict? inbound) = Scenario.Connect(policy, service, s_hosts[from], s_hosts[to]);

        Assert.Equal(allowed, actual);
        // The deciding side: the one that refused, or (when allowed) the responder if it takes part, else the initiator.
        Verdict deciding = outbound is { IsAllowed: false } o ? o : inbound ?? outbound!.Value;
        Assert.Equal(decidingLine, deciding.Line);
    }

    [Fact]
    public void Figures_compile_without_any_diagnostic()
    {
        Assert.Empty(PolicyCompiler.Compile(PaperFigures.Figure1, "figure1.pol").Diagnostics);
        Assert.Empty(PolicyCompiler.Compile(PaperFigures.Figure2, "figure2.pol").Diagnostics);
    }

    [Fact]
    public void Figure2_semicolon_line_is_two_rules_the_second_an_implied_allow()
    {
        CompileResult result = PolicyCompiler.Compile(PaperFigures.Figure2, "figure2.pol");
        Assert.Equal(4, result.Document.Rules.Count);
        RuleStatement ntp = result.Document.Rules[2];
        Assert.True(ntp.ActionImplied);
        Assert.Equal(RuleAction.Allow, ntp.Action);
        Assert.Equal("ntp", ntp.Service.Name);
        Assert.Equal(new SourceSpan(6, 33, 3), ntp.Span);
        Assert.Equal(6, result.Snapshot!.Rules[2].Line);
    }

    [Fact]
    public void Each_host_enforces_only_the_rules_that_name_it()
    {
        PolicySnapshot policy = Scenario.Compile(PaperFigures.Figure1);
        TestHost gw = s_hosts["mailgw"], host1 = s_hosts["host1"];

        PolicySnapshot atGateway = policy.Specialize(gw.Identity, [gw.Address]);
        PolicySnapshot atHost1 = policy.Specialize(host1.Identity, [host1.Address]);

        Assert.Equal([0, 1, 2], atGateway.InboundRules);   // it is mail_gw and inside_net
        Assert.Equal([1, 3], atGateway.OutboundRules);
        Assert.Equal([1, 2], atHost1.InboundRules);        // inside_net only
        Assert.Equal([3], atHost1.OutboundRules);
    }
}
