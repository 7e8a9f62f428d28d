using IpsecFw.Spd.Language;

namespace IpsecFw.Spd.Tests.Language;

/// <summary>
/// Malformed policies, each with the exact diagnostic expected: severity, line, column and message, and how many
/// diagnostics the file produces in all. Every source starts with the line <c>g = x509{name="*.example.com"};</c>, so the
/// fault is on line 2 unless the case says otherwise.
/// </summary>
public sealed class MalformedPolicyTests
{
    private const string G = "g = x509{name=\"*.example.com\"};\n";

    // source after line 1, diagnostics in the file, 'E' or 'W' for the first, line, column, message
    public static TheoryData<string, int, char, int, int, string> Cases => new()
    {
        // lexical
        { "allow smtp(*, g) $;", 1, 'E', 2, 18, "unexpected character '$'" },
        { "h = x509{name=\"a\\qb\"};", 1, 'E', 2, 17, "unknown escape sequence '\\q' in string" },
        { "h = x509{name=\"abc};", 2, 'E', 2, 15, "unterminated string" },
        // syntax
        { "allow smtp(*, g)\nallow ssh(*, g);", 1, 'E', 3, 1, "expected ';' after the rule, found 'allow'" },
        { "allow smtp(*, g)", 1, 'E', 2, 17, "expected ';' after the rule, found end of file" },
        { "allow smtp *, g);", 1, 'E', 2, 12, "expected '(' after the service, found '*'" },
        { "allow smtp(* g);", 1, 'E', 2, 14, "expected ',' between source and destination, found 'g'" },
        { "smtp(*, g);", 1, 'E', 2, 1, "rule has no action: write 'allow' or 'deny' before the service" },
        { "deny smtp(*, g);ssh(*, g);", 1, 'E', 2, 17, "rule has no action: write 'allow' or 'deny' before the service" },
        { "permit smtp(*, g);", 1, 'E', 2, 1, "expected a group definition, a rule or an expect line, found 'permit'" },
        { "h = x500{name=\"a\"};", 1, 'E', 2, 5, "unknown group type 'x500': expected x509, IPv4 or IPv6" },
        { "h = x509{name=};", 1, 'E', 2, 15, "expected a value after 'name=', found '}'" },
        { "h = x509{name=\"a\" ver>1};", 1, 'E', 2, 19, "expected ',' or '}' in x509{...}, found 'ver'" },
        { "allow smtp(*, g) loud;", 1, 'E', 2, 18, "unknown rule modifier 'loud': expected log, drop, reject, process or keyed" },
        { "expect smtp(*, *);", 1, 'E', 2, 8, "expected 'allow' or 'deny' after 'expect', found 'smtp'" },
        // names and definitions
        { "g = IPv4{198.19.0.1};", 1, 'E', 2, 1, "duplicate definition of group 'g' (first defined on line 1)" },
        { "allow = IPv4{198.19.0.1};", 1, 'E', 2, 1, "'allow' is a reserved word and cannot name a group" },
        { "mail-gw = IPv4{198.19.0.1};", 1, 'E', 2, 1, "invalid group name 'mail-gw': use letters, digits and '_', starting with a letter or '_'" },
        { "allow smtp(*, nosuch);", 1, 'E', 2, 15, "undefined group 'nosuch'" },
        { "h = g | nosuch;", 1, 'E', 2, 9, "undefined group 'nosuch'" },
        { "h = g | later;\nlater = IPv4{198.19.0.1};", 1, 'E', 2, 9, "group 'later' is used before its definition on line 3" },
        // x509 predicates
        { "h = x509{nmae=\"a\"};", 1, 'E', 2, 10, "unknown x509 predicate 'nmae': expected name, dn, issuer, serial, group or ver" },
        { "h = x509{name>\"a\"};", 1, 'E', 2, 10, "'name' can only be compared with '='" },
        { "h = x509{name=\"\"};", 1, 'E', 2, 15, "empty 'name' value matches no certificate" },
        { "h = x509{serial=\"xyz\"};", 1, 'E', 2, 17, "serial must be hexadecimal, found 'xyz'" },
        { "h = x509{ver>abc};", 1, 'E', 2, 14, "version must be a number such as the date YYYYMMDD, found 'abc'" },
        { "h = x509{ver>20200101, ver<20190101};", 1, 'E', 2, 24, "impossible version constraint: ver<20190101 contradicts ver>20200101" },
        { "h = x509{ver=20200101, ver=20200102};", 1, 'E', 2, 24, "impossible version constraint: ver=20200102 contradicts ver=20200101" },
        { "h = x509{ver>=20200101, ver<=20191231, ver>1};", 1, 'E', 2, 25, "impossible version constraint: ver<=20191231 contradicts ver>=20200101" },
        // addresses
        { "h = IPv4{300.0.0.1};", 1, 'E', 2, 10, "invalid IPv4 address '300.0.0.1'" },
        { "h = IPv4{10.1};", 1, 'E', 2, 10, "invalid IPv4 address '10.1'" },
        { "h = IPv4{2001:db8::1};", 1, 'E', 2, 10, "'2001:db8::1' is not an IPv4 address (it belongs in an IPv6 group)" },
        { "h = IPv6{192.0.2.1};", 1, 'E', 2, 10, "'192.0.2.1' is not an IPv6 address (it belongs in an IPv4 group)" },
        { "h = IPv4{198.19.0.0/33};", 1, 'E', 2, 10, "invalid prefix length '33': expected 0-32" },
        { "h = IPv6{2001:db8::/129};", 1, 'E', 2, 10, "invalid prefix length '129': expected 0-128" },
        { "h = IPv4{198.18.0.9-198.18.0.1};", 1, 'E', 2, 10, "address range '198.18.0.9-198.18.0.1' is reversed: its start is after its end" },
        { "h = IPv6{2001:db8::g};", 1, 'E', 2, 10, "invalid IPv6 address '2001:db8::g'" },
        { "h = IPv4{};", 1, 'E', 2, 5, "an IPv4 group needs at least one address" },
        // services
        { "allow smpt(*, g);", 1, 'E', 2, 7, "unknown service 'smpt'" },
        { "allow tcp/70000(*, g);", 1, 'E', 2, 7, "invalid port '70000': expected 1-65535" },
        { "allow tcp/0(*, g);", 1, 'E', 2, 7, "invalid port '0': expected 1-65535" },
        { "allow udp/5100-5000(*, g);", 1, 'E', 2, 7, "port range 5100-5000 is reversed" },
        { "allow proto/300(*, g);", 1, 'E', 2, 7, "invalid protocol number '300': expected 0-255" },
        { "allow gre/1(*, g);", 1, 'E', 2, 7, "unknown service 'gre/1': expected tcp/PORT, udp/PORT, sctp/PORT or proto/NUMBER" },
        // modifiers
        { "allow smtp(*, g) reject;", 1, 'E', 2, 18, "'reject' applies only to deny rules" },
        { "allow ftp(g, *) keyed;", 1, 'E', 2, 17, "'keyed' needs a 'process' on the same rule" },
        { "allow ftp(g, *) process \"ftp\";", 1, 'E', 2, 25, "the program's path must be absolute" },
        { "deny smtp(*, g) log log;", 1, 'E', 2, 21, "duplicate modifier 'log'" },
        { "deny smtp(*, g) drop reject;", 1, 'E', 2, 22, "a rule may name only one response ('drop' or 'reject')" },
        { "default drop;\ndefault reject;", 1, 'E', 3, 9, "the default response is already set" },
        // expect lines
        { "expect allow *(a.example.com, b.example.com);", 1, 'E', 2, 14, "an expect line needs one service, not '*'" },
        { "expect allow smtp(x@300.1.1.1, *);", 1, 'E', 2, 19, "invalid address '300.1.1.1'" },
        // warnings
        { "allow *(*, g);\ndeny smtp(*, g);", 1, 'W', 3, 1, "rule can never match: the rule on line 2 already matches everything it does" },
        { "h = IPv4{198.19.0.0/16};\nallow ssh(h, g);\nallow ssh(IPv4net, g);\nIPv4net = IPv4{198.19.128.0/17};", 1, 'W', 4, 1, "rule can never match: the rule on line 3 already matches everything it does" },
        { "h = IPv4{198.19.0.1/16};", 1, 'W', 2, 10, "prefix '198.19.0.1/16' has host bits set; it means 198.19.0.0/16" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_the_exact_diagnostic(string body, int count, char severity, int line, int column, string message)
    {
        CompileResult result = PolicyCompiler.Compile(G + body, "bad.pol");

        string all = string.Join("\n", result.Diagnostics.Select(d => d.Format()));
        Assert.True(count == result.Diagnostics.Count, $"expected {count} diagnostic(s), got:\n{all}");
        Diagnostic d = result.Diagnostics[0];
        Assert.Equal(severity == 'E' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal((line, column, message), (d.Line, d.Column, d.Message));
        Assert.Equal(severity == 'W', result.Succeeded);
    }
}
