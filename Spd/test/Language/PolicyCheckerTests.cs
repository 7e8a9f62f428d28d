using IpsecFw.Spd.Language;
using IpsecFw.Spd.Tests.Figures;

namespace IpsecFw.Spd.Tests.Language;

public sealed class PolicyCheckerTests
{
    private static readonly DateTimeOffset s_date = new(2000, 1, 10, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Expect_lines_that_hold_produce_no_diagnostic()
    {
        string source = PaperFigures.Figure2 + """

            expect allow smtp(*, mail-gw.example.com);
            expect allow smtp(mail-gw.example.com, host1.example.com);
            expect deny smtp(host1.example.com, host2.example.com);
            expect allow ntp(192.0.2.123, host1.example.com@198.19.0.1);
            expect deny ntp(203.0.113.9, host1.example.com);
            expect allow ssh(host1.example.com, 203.0.113.9);
            expect deny ssh(*, host1.example.com);
            """;

        Assert.Empty(PolicyChecker.Check(source, "fig2.pol", s_date));
    }

    [Fact]
    public void A_broken_promise_is_an_error_at_its_expect_line()
    {
        string source = PaperFigures.Figure1 + "\nexpect allow smtp(host1.example.com, host2.example.com);\nexpect deny ssh(host1.example.com, *);";

        IReadOnlyList<Diagnostic> diagnostics = PolicyChecker.Check(source, "fig1.pol", s_date);

        Assert.Equal(
            [
                "fig1.pol:9:1: error: expectation failed: smtp from host1.example.com to host2.example.com is denied (the responder decides by the default deny)",
                "fig1.pol:10:1: error: expectation failed: ssh from host1.example.com to * is allowed (the initiator allows it and the responder enforces nothing)",
            ],
            diagnostics.Select(d => d.Header));
    }

    [Fact]
    public void Certificates_older_than_the_version_are_outside()
    {
        string source = PaperFigures.Figure2 + "\nexpect allow ssh(host1.example.com, 203.0.113.9);";

        Assert.Empty(PolicyChecker.Check(source, "fig2.pol", s_date));
        Assert.Single(PolicyChecker.Check(source, "fig2.pol", new DateTimeOffset(1999, 3, 1, 0, 0, 0, TimeSpan.Zero)));
    }
}
