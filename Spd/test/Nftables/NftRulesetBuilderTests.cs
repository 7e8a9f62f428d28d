using IpsecFw.Spd.Nftables;
using IpsecFw.Spd.Runtime;
using IpsecFw.Spd.Tests.Figures;

namespace IpsecFw.Spd.Tests.Nftables;

/// <summary>
/// The nftables text for the paper's figures, at the hosts the paper talks about, line by line: which rules appear, in
/// which order, with which action, and which are left out. (That nft itself accepts every ruleset is checked in
/// interop-tests/Nftables, which needs root.)
/// </summary>
public sealed class NftRulesetBuilderTests
{
    private static readonly DateTimeOffset s_current = new(2000, 1, 10, 0, 0, 0, TimeSpan.Zero);
    private static readonly NftOptions s_options = new() { TunDevice = "ipsecfw0" };

    internal static TestHost MailGateway { get; } = TestHost.WithCertificate("mail-gw.example.com", "198.19.0.25", s_current);

    internal static TestHost Host1 { get; } = TestHost.WithCertificate("host1.example.com", "198.19.0.1", s_current);

    internal static TestHost Foreign { get; } = TestHost.WithCertificate("www.example.org", "198.51.100.7", s_current);

    internal static TestHost OldHost { get; } = TestHost.WithCertificate("old.example.com", "198.19.0.3", new(1999, 3, 1, 0, 0, 0, TimeSpan.Zero));

    internal static string Ruleset(string source, TestHost host, NftOptions? options = null) =>
        NftRulesetBuilder.Build(Scenario.Compile(source).Specialize(host.Identity, [host.Address]), options ?? s_options);

    /// <summary>The rules of one chain (comment lines and the chain header left out), trimmed.</summary>
    private static List<string> Chain(string ruleset, string name)
    {
        string[] lines = ruleset.Split('\n');
        int start = Array.FindIndex(lines, l => l.Trim() == $"chain {name} {{");
        Assert.True(start >= 0, ruleset);
        var rules = new List<string>();
        for (int i = start + 2; lines[i].Trim() != "}"; i++)
        {
            string l = lines[i].Trim();
            if (l.Length > 0 && !l.StartsWith('#'))
            {
                rules.Add(l);
            }
        }

        return rules;
    }

    /// <summary>The rules that come from the policy (comment "ipsecfw rule ..."), and the default's.</summary>
    private static List<string> PolicyRules(string ruleset, string chain) =>
        [.. Chain(ruleset, chain).Where(l => l.Contains("comment \"ipsecfw rule ", StringComparison.Ordinal) || l.Contains("ipsecfw default deny\"", StringComparison.Ordinal))];

    [Fact]
    public void Figure_1_at_the_mail_gateway_accepts_smtp_from_anyone_and_ntp_from_the_time_server_then_drops()
    {
        string r = Ruleset(PaperFigures.Figure1, MailGateway);

        Assert.Equal(
        [
            "tcp dport 25 ct state new counter accept comment \"ipsecfw rule 0 line 5\"",
            "ip saddr { 192.0.2.123 } udp dport 123 ct state new counter accept comment \"ipsecfw rule 2 line 7\"",
            "counter drop comment \"ipsecfw default deny\"",
        ], PolicyRules(r, "input"));
        // Line 6's source is the x509 group mail_gw: in clear it never matches, and the comment says so.
        Assert.Contains("# rule 1 (line 6) left out: its source mail_gw is an x509 group, which traffic in clear never matches", r, StringComparison.Ordinal);

        // Outbound, line 6 is PROTECT (SMTP to inside hosts on an SA, through the TUN device): in clear it never
        // matches, so the gateway's own SMTP to the Internet is line 8's, like every other call out.
        Assert.Contains("# rule 1 (line 6): PROTECT towards the x509 group inside_net: carried by the tunnel; in clear it never matches", r, StringComparison.Ordinal);
        Assert.Equal(
        [
            "ct state new counter accept comment \"ipsecfw rule 3 line 8\"",
            "counter drop comment \"ipsecfw default deny\"",
        ], PolicyRules(r, "output"));
    }

    [Fact]
    public void Figure_1_at_an_inside_host_accepts_ntp_from_the_time_server_only_and_lets_everything_out()
    {
        string r = Ruleset(PaperFigures.Figure1, Host1);

        Assert.Equal(
        [
            "ip saddr { 192.0.2.123 } udp dport 123 ct state new counter accept comment \"ipsecfw rule 2 line 7\"",
            "counter drop comment \"ipsecfw default deny\"",
        ], PolicyRules(r, "input"));
        // No SMTP in clear reaches an inside host: line 5 binds the mail gateway only, line 6 needs mail_gw's certificate.
        Assert.DoesNotContain(Chain(r, "input"), l => l.Contains("dport 25", StringComparison.Ordinal));
        Assert.Equal(
        [
            "ct state new counter accept comment \"ipsecfw rule 3 line 8\"",
            "counter drop comment \"ipsecfw default deny\"",
        ], PolicyRules(r, "output"));
    }

    [Fact]
    public void Figure_1_at_a_host_outside_inside_net_enforces_nothing_but_the_default()
    {
        string r = Ruleset(PaperFigures.Figure1, Foreign);

        Assert.Equal(["counter drop comment \"ipsecfw default deny\""], PolicyRules(r, "input"));
        Assert.Equal(["counter drop comment \"ipsecfw default deny\""], PolicyRules(r, "output"));
        Assert.Contains("# Rules this host enforces inbound: none; outbound: none.", r, StringComparison.Ordinal);
    }

    [Fact]
    public void Figure_2_demotes_an_old_certificate_no_ntp_from_the_time_server_and_no_calls_out()
    {
        string old = Ruleset(PaperFigures.Figure2, OldHost);
        Assert.Equal(["counter drop comment \"ipsecfw default deny\""], PolicyRules(old, "input"));
        Assert.Equal(["counter drop comment \"ipsecfw default deny\""], PolicyRules(old, "output"));

        // The same host with a current certificate: Figure 2's ntp rule (the second rule on line 6) and line 7.
        string current = Ruleset(PaperFigures.Figure2, Host1);
        Assert.Equal(
        [
            "ip saddr { 192.0.2.123 } udp dport 123 ct state new counter accept comment \"ipsecfw rule 2 line 6\"",
            "counter drop comment \"ipsecfw default deny\"",
        ], PolicyRules(current, "input"));
        Assert.Equal(
        [
            "ct state new counter accept comment \"ipsecfw rule 3 line 7\"",
            "counter drop comment \"ipsecfw default deny\"",
        ], PolicyRules(current, "output"));
    }

    [Theory]
    [InlineData("input", "iifname", "dport")]
    [InlineData("output", "oifname", "sport")]
    public void Fixed_rules_come_first_in_the_documented_order_then_the_policy_then_the_default(string chain, string iface, string port)
    {
        List<string> rules = Chain(Ruleset(PaperFigures.Figure1, MailGateway), chain);
        string[] expected =
        [
            $"{iface} \"lo\" accept",
            "ct state established,related accept",
            "ct state invalid drop",
            $"{iface} \"ipsecfw0\" accept",
            $"udp {port} {{ 500, 4500 }} accept",
            "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept",
            "icmpv6 type { mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report } ip6 hoplimit 1 accept",
            "icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept",
            "icmp type { destination-unreachable, time-exceeded, parameter-problem } accept",
        ];
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.StartsWith(expected[i] + " comment \"ipsecfw ", rules[i], StringComparison.Ordinal);
        }

        Assert.Contains("ipsecfw rule ", rules[expected.Length], StringComparison.Ordinal);
        Assert.StartsWith("limit rate 10/second burst 20 packets log prefix \"ipsecfw: default deny \"", rules[^2], StringComparison.Ordinal);
        Assert.Equal("counter drop comment \"ipsecfw default deny\"", rules[^1]);
    }

    [Fact]
    public void The_script_creates_deletes_and_rebuilds_one_table_in_one_transaction()
    {
        string r = Ruleset(PaperFigures.Figure1, Host1, s_options with { Table = "fw_test" });
        string[] commands = [.. r.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith('\t') && l != "}")];
        Assert.Equal(["add table inet fw_test", "delete table inet fw_test", "table inet fw_test {"], commands);
        Assert.Contains("type filter hook input priority filter; policy drop;", r, StringComparison.Ordinal);
        Assert.Contains("type filter hook output priority filter; policy drop;", r, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_tun_device_no_interface_is_accepted_and_the_ports_are_the_configured_ones()
    {
        string r = Ruleset(PaperFigures.Figure1, Host1, new NftOptions { IkePort = 1500, NatPort = 14500 });
        Assert.DoesNotContain("ipsecfw0", r, StringComparison.Ordinal);
        Assert.Contains("udp dport { 1500, 14500 } accept", r, StringComparison.Ordinal);
        Assert.Contains("udp sport { 1500, 14500 } accept", r, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_esp_passes_both_ways_only_when_it_is_in_use()
    {
        Assert.DoesNotContain("l4proto 50", Ruleset(PaperFigures.Figure1, Host1), StringComparison.Ordinal);
        string r = Ruleset(PaperFigures.Figure1, Host1, s_options with { RawEsp = true });
        Assert.Contains(Chain(r, "input"), l => l.StartsWith("meta l4proto 50 accept", StringComparison.Ordinal));
        Assert.Contains(Chain(r, "output"), l => l.StartsWith("meta l4proto 50 accept", StringComparison.Ordinal));
    }

    [Fact]
    public void Deny_rules_log_and_reject_with_a_tcp_reset_or_an_icmp_error_and_the_default_can_reject()
    {
        const string policy = """
            lan = IPv4{198.18.0.0/24} | IPv6{2001:2::/48};
            bad = IPv4{198.18.0.7, 198.18.0.9-198.18.0.12};
            deny *(bad, lan) log reject;
            deny smtp(*, lan) reject;
            allow domain(*, lan) log;
            allow icmp6(*, lan);
            default reject;
            """;
        string r = Ruleset(policy, TestHost.Anonymous("198.18.0.1"));
        Assert.Equal(
        [
            // The local side holds this host by address only: the rule is for its addresses in lan.
            "ip saddr { 198.18.0.7, 198.18.0.9-198.18.0.12 } ip daddr { 198.18.0.0/24 } meta l4proto tcp ct state new counter log prefix \"ipsecfw: rule 0 line 3 \" reject with tcp reset comment \"ipsecfw rule 0 line 3\"",
            "ip saddr { 198.18.0.7, 198.18.0.9-198.18.0.12 } ip daddr { 198.18.0.0/24 } ct state new counter log prefix \"ipsecfw: rule 0 line 3 \" reject with icmpx type admin-prohibited comment \"ipsecfw rule 0 line 3\"",
            "ip daddr { 198.18.0.0/24 } tcp dport 25 ct state new counter reject with tcp reset comment \"ipsecfw rule 1 line 4\"",
            "ip6 daddr { 2001:2::/48 } tcp dport 25 ct state new counter reject with tcp reset comment \"ipsecfw rule 1 line 4\"",
            "ip daddr { 198.18.0.0/24 } tcp dport 53 ct state new counter log prefix \"ipsecfw: rule 2 line 5 \" accept comment \"ipsecfw rule 2 line 5\"",
            "ip daddr { 198.18.0.0/24 } udp dport 53 ct state new counter log prefix \"ipsecfw: rule 2 line 5 \" accept comment \"ipsecfw rule 2 line 5\"",
            "ip6 daddr { 2001:2::/48 } tcp dport 53 ct state new counter log prefix \"ipsecfw: rule 2 line 5 \" accept comment \"ipsecfw rule 2 line 5\"",
            "ip6 daddr { 2001:2::/48 } udp dport 53 ct state new counter log prefix \"ipsecfw: rule 2 line 5 \" accept comment \"ipsecfw rule 2 line 5\"",
            // icmp6 has no IPv4 line.
            "ip6 daddr { 2001:2::/48 } meta l4proto ipv6-icmp ct state new counter accept comment \"ipsecfw rule 3 line 6\"",
            "meta l4proto tcp counter reject with tcp reset comment \"ipsecfw default deny\"",
            "counter reject with icmpx type admin-prohibited comment \"ipsecfw default deny\"",
        ], PolicyRules(r, "input"));
    }

    [Fact]
    public void With_an_event_group_each_deny_logs_to_nflog_first_behind_one_shared_limit_and_the_default_too()
    {
        const string policy = """
            lan = IPv4{198.18.0.0/24};
            bad = IPv4{198.18.0.7};
            deny *(bad, lan) log reject;
            deny smtp(*, lan);
            allow domain(*, lan) log;
            """;
        string r = Ruleset(policy, TestHost.Anonymous("198.18.0.1"), s_options with { EventGroup = 4321, EventRate = 30 });
        Assert.Contains("\tlimit ipsecfw_events { rate 30/second burst 60 packets }\n", r, StringComparison.Ordinal);
        const string Nflog = "limit name \"ipsecfw_events\" log prefix";
        Assert.Equal(
        [
            // Each denial: the event (no verdict: a spent limit only ends this rule), then the rule that decides.
            $"ip saddr {{ 198.18.0.7 }} ip daddr {{ 198.18.0.0/24 }} ct state new {Nflog} \"ipsecfw: rule 0 line 3 \" group 4321 snaplen 256 comment \"ipsecfw rule 0 line 3 event\"",
            "ip saddr { 198.18.0.7 } ip daddr { 198.18.0.0/24 } meta l4proto tcp ct state new counter log prefix \"ipsecfw: rule 0 line 3 \" reject with tcp reset comment \"ipsecfw rule 0 line 3\"",
            "ip saddr { 198.18.0.7 } ip daddr { 198.18.0.0/24 } ct state new counter log prefix \"ipsecfw: rule 0 line 3 \" reject with icmpx type admin-prohibited comment \"ipsecfw rule 0 line 3\"",
            $"ip daddr {{ 198.18.0.0/24 }} tcp dport 25 ct state new {Nflog} \"ipsecfw: rule 1 line 4 \" group 4321 snaplen 256 comment \"ipsecfw rule 1 line 4 event\"",
            "ip daddr { 198.18.0.0/24 } tcp dport 25 ct state new counter drop comment \"ipsecfw rule 1 line 4\"",
            // An allow rule has no event.
            "ip daddr { 198.18.0.0/24 } tcp dport 53 ct state new counter log prefix \"ipsecfw: rule 2 line 5 \" accept comment \"ipsecfw rule 2 line 5\"",
            "ip daddr { 198.18.0.0/24 } udp dport 53 ct state new counter log prefix \"ipsecfw: rule 2 line 5 \" accept comment \"ipsecfw rule 2 line 5\"",
            "counter drop comment \"ipsecfw default deny\"",
        ], PolicyRules(r, "input"));

        // The default deny's event replaces its kernel log line, in both chains.
        foreach (string chain in new[] { "input", "output" })
        {
            List<string> rules = Chain(r, chain);
            Assert.Equal($"{Nflog} \"ipsecfw: default deny \" group 4321 snaplen 256 comment \"ipsecfw default deny event\"", rules[^2]);
            Assert.DoesNotContain(rules, l => l.Contains("limit rate", StringComparison.Ordinal));
        }

        // Without a group nothing of it appears.
        string plain = Ruleset(policy, TestHost.Anonymous("198.18.0.1"));
        Assert.DoesNotContain("ipsecfw_events", plain, StringComparison.Ordinal);
        Assert.DoesNotContain(" group ", plain, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 50, "event group:")]
    [InlineData(65536, 50, "event group:")]
    [InlineData(7, 0, "event rate:")]
    [InlineData(7, 10_001, "event rate:")]
    public void Event_options_out_of_range_are_refused(int group, int rate, string expected)
    {
        PolicySnapshot local = Scenario.Compile(PaperFigures.Figure1).Specialize(Host1.Identity, [Host1.Address]);
        var e = Assert.Throws<ArgumentException>(() => NftRulesetBuilder.Build(local, s_options with { EventGroup = group, EventRate = rate }));
        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ipsecfw: default deny ", true, -1, 0)]
    [InlineData("ipsecfw: default deny \0", true, -1, 0)]
    [InlineData("ipsecfw: rule 0 line 3 ", true, 0, 3)]
    [InlineData("ipsecfw: rule 12 line 345\0\0", false, 0, 0)]
    [InlineData("ipsecfw: rule 12 line 345 \0\0", true, 12, 345)]
    [InlineData("ipsecfw: rule 1 line 0 ", false, 0, 0)]
    [InlineData("ipsecfw: rule  line 3 ", false, 0, 0)]
    [InlineData("ipsecfw: rule 1234567890 line 3 ", false, 0, 0)]
    [InlineData("ipsecfw: rule 1 line 3 x", false, 0, 0)]
    [InlineData("ipsecfw: default deny", false, 0, 0)]
    [InlineData("other: drop ", false, 0, 0)]
    [InlineData("", false, 0, 0)]
    public void Log_prefixes_read_back_to_the_rule_they_were_written_for(string text, bool ok, int index, int line)
    {
        Assert.Equal(ok, NftLogPrefix.TryParse(System.Text.Encoding.ASCII.GetBytes(text), out int i, out int l));
        if (ok)
        {
            Assert.Equal((index, line), (i, l));
            Assert.Equal(text.TrimEnd('\0'), index < 0 ? NftLogPrefix.Default : NftLogPrefix.ForRule(index, line));
        }
    }

    [Fact]
    public void Outbound_address_rules_bypass_or_discard_and_union_groups_keep_their_address_part()
    {
        const string policy = """
            me = x509{name="me.example.com"};
            peers = x509{name="*.example.net"} | IPv4{203.0.113.0/24};
            deny *(me, peers);
            allow tcp/8000-8100(me, peers);
            allow udp(me, *);
            """;
        string r = Ruleset(policy, TestHost.WithCertificate("me.example.com", "198.18.0.5", s_current));
        Assert.Equal(
        [
            "ip daddr { 203.0.113.0/24 } ct state new counter drop comment \"ipsecfw rule 0 line 3\"",
            "ip daddr { 203.0.113.0/24 } tcp dport 8000-8100 ct state new counter accept comment \"ipsecfw rule 1 line 4\"",
            "meta l4proto udp ct state new counter accept comment \"ipsecfw rule 2 line 5\"",
            "counter drop comment \"ipsecfw default deny\"",
        ], PolicyRules(r, "output"));
        Assert.Contains("# rule 0 (line 3) (its certificate part) left out: its destination peers is an x509 group", r, StringComparison.Ordinal);
    }

    [Fact]
    public void Addresses_are_split_by_family_and_ranges_print_as_prefixes_where_they_are_one()
    {
        const string policy = """
            me = x509{name="h.example.com"};
            odd = IPv6{::fffe:ffff:ffff-::ffff:0.0.0.1, 2001:2::1, 2001:2::10-2001:2::1f, 2001:2:0:1::/64};
            allow ssh(me, odd);
            """;
        string r = Ruleset(policy, TestHost.WithCertificate("h.example.com", "198.18.0.5", s_current));
        List<string> rules = PolicyRules(r, "output");
        // The part of the range inside ::ffff:0:0/96 is IPv4 to the SPD, so it is IPv4 here too.
        Assert.Equal("ip daddr { 0.0.0.0/31 } tcp dport 22 ct state new counter accept comment \"ipsecfw rule 0 line 3\"", rules[0]);
        Assert.Equal("ip6 daddr { ::fffe:ffff:ffff, 2001:2::1, 2001:2::10/124, 2001:2:0:1::/64 } tcp dport 22 ct state new counter accept comment \"ipsecfw rule 0 line 3\"", rules[1]);
    }

    [Fact]
    public void Hostile_text_in_the_policy_never_reaches_the_ruleset_unfiltered()
    {
        // A program path is a STRING: it may hold quotes, semicolons, braces and a newline escape is not possible,
        // but everything else is. It must appear only reduced to the safe alphabet.
        const string policy = """
            me = x509{name="me.example.com"};
            allow ssh(me, *) process "/tmp/x\" accept; flush ruleset; add rule inet filter input {";
            allow *(me, *);
            """;
        string r = Ruleset(policy, TestHost.WithCertificate("me.example.com", "198.18.0.5", s_current));
        // The text survives only inside a '#' line, without the quote that would have ended a string.
        Assert.All(r.Split('\n').Where(l => l.Contains("flush ruleset", StringComparison.Ordinal)), l => Assert.StartsWith("#", l.Trim(), StringComparison.Ordinal));
        string line = Assert.Single(r.Split('\n'), l => l.Contains("restricted to a program", StringComparison.Ordinal));
        Assert.Equal("\t\t# rule 0 (line 2) left out: it is restricted to a program (/tmp/x_ accept_ flush ruleset_ add rule inet filter input _), which the kernel ruleset does not know", line);
        Assert.Equal(2, r.Split('\n').Count(l => l.Contains('{', StringComparison.Ordinal) && l.Contains("chain", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("ipsecfw; flush ruleset", null)]
    [InlineData("", null)]
    [InlineData("1table", null)]
    [InlineData("a_table_name_that_is_far_too_long_x", null)]
    [InlineData("ipsecfw", "tun0\" accept")]
    [InlineData("ipsecfw", "tun0 ; flush")]
    [InlineData("ipsecfw", "sixteen-chars-xx")]
    public void Options_that_could_inject_or_that_nft_refuses_are_refused(string table, string? device)
    {
        PolicySnapshot local = Scenario.Compile(PaperFigures.Figure1).Specialize(Host1.Identity, [Host1.Address]);
        var e = Assert.Throws<ArgumentException>(() => NftRulesetBuilder.Build(local, new NftOptions { Table = table, TunDevice = device }));
        Assert.StartsWith(device is null ? "table:" : "tun device:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_not_specialised_for_a_host_is_refused()
    {
        Assert.Throws<ArgumentException>(() => NftRulesetBuilder.Build(Scenario.Compile(PaperFigures.Figure1), s_options));
    }

    [Theory]
    [InlineData("plain_name", 32, "plain_name")]
    [InlineData("a\"b;c{d}e\nf#g$h\\i'j", 64, "a_b_c_d_e_f_g_h_i_j")]
    [InlineData("é/usr/bin/ftp", 64, "_/usr/bin/ftp")]
    [InlineData("abcdef", 3, "abc")]
    public void Safe_keeps_only_the_safe_alphabet(string text, int max, string expected) =>
        Assert.Equal(expected, NftRulesetBuilder.Safe(text, max));
}
