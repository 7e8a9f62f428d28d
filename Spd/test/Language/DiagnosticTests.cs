using IpsecFw.Spd.Language;

namespace IpsecFw.Spd.Tests.Language;

public sealed class DiagnosticTests
{
    [Fact]
    public void Formats_header_source_line_and_caret()
    {
        CompileResult result = PolicyCompiler.Compile("g = IPv4{198.19.0.1};\nallow smpt(*, g);\n", "site.pol");

        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal("site.pol:2:7: error: unknown service 'smpt'\nallow smpt(*, g);\n      ^~~~", d.Format());
    }

    [Fact]
    public void Caret_keeps_tabs_so_it_lines_up()
    {
        CompileResult result = PolicyCompiler.Compile("g = IPv4{198.19.0.1};\n\tallow smtp(*, nosuch);", "t.pol");

        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal("t.pol:2:16: error: undefined group 'nosuch'\n\tallow smtp(*, nosuch);\n\t              ^~~~~~", d.Format());
    }

    [Fact]
    public void Reports_every_error_of_the_file_in_one_run_in_source_order()
    {
        const string source = """
            inside = x509{name="*.example.com", ver>20200101, ver<20190101};
            inside = IPv4{198.19.0.0/16};
            dmz = IPv4{198.19.0.300};
            allow smtp(*, nowhere);
            allow smpt(*, inside)
            allow ssh(inside, *) ;
            deny ntp(*, inside) $ ;
            allow *(*, inside);
            allow ssh(*, inside);
            """;

        CompileResult result = PolicyCompiler.Compile(source, "many.pol");

        Assert.False(result.Succeeded);
        Assert.Equal(
            [
                "many.pol:1:51: error: impossible version constraint: ver<20190101 contradicts ver>20200101",
                "many.pol:2:1: error: duplicate definition of group 'inside' (first defined on line 1)",
                "many.pol:3:12: error: invalid IPv4 address '198.19.0.300'",
                "many.pol:4:15: error: undefined group 'nowhere'",
                "many.pol:6:1: error: expected ';' after the rule, found 'allow'",
                "many.pol:7:21: error: unexpected character '$'",
                "many.pol:9:1: warning: rule can never match: the rule on line 8 already matches everything it does",
            ],
            result.Diagnostics.Select(d => d.Header));
    }

    [Fact]
    public void Nothing_throws_on_hostile_input()
    {
        foreach (string source in new[] { "", ";;;", "{{{{", "\"", "=", "a = a;", "allow", "x509{", "a = x509{name=\"*\"} | ;",
            "expect allow smtp(@, @);", "\0\u0001\u00ff", new string('(', 10000) })
        {
            CompileResult result = PolicyCompiler.Compile(source, "hostile.pol");
            Assert.NotNull(result.Document);
        }
    }
}
