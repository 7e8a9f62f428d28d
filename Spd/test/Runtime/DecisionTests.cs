using System.Net;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Tests.Runtime;

public sealed class DecisionTests
{
    private static readonly PeerIdentity s_alice = new()
    {
        SubjectDn = "CN=alice.example.com,OU=eng,O=Example",
        CommonName = "alice.example.com",
        OrganizationalUnits = ["eng"],
        DnsNames = ["alice.example.com"],
        EmailAddresses = ["alice@example.com"],
        Uris = ["urn:ipsecfw:group:admins"],
        IssuerDn = "CN=Example CA,O=Example",
        SerialHex = "00:0A:1b",
        NotBefore = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero),
    };

    private static readonly PeerIdentity s_server = new()
    {
        SubjectDn = "CN=srv.example.com,O=Example",
        CommonName = "srv.example.com",
        IssuerDn = "CN=Example CA,O=Example",
        NotBefore = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    private static FlowKey Tcp(string src, string dst, ushort port) =>
        FlowKey.Create(IPAddress.Parse(src), IPAddress.Parse(dst), IpProtocol.Tcp, 40000, port);

    private static PolicySnapshot ServerPolicy(string rules) =>
        Scenario.Compile("servers = x509{name=\"srv.example.com\"};\n" + rules)
            .Specialize(s_server, [IPAddress.Parse("198.19.0.1"), IPAddress.Parse("2001:db8::1")]);

    [Theory]
    [InlineData("name=\"alice.example.com\"", true)]
    [InlineData("name=\"*.EXAMPLE.com\"", true)]
    [InlineData("name=\"alice@example.com\"", true)]            // SAN e-mail
    [InlineData("name=\"urn:ipsecfw:*\"", true)]                // SAN URI
    [InlineData("name=\"bob.example.com\"", false)]
    [InlineData("dn=\"CN=alice.example.com,*\"", true)]
    [InlineData("dn=\"*OU=ops*\"", false)]
    [InlineData("issuer=\"CN=Example CA,*\"", true)]
    [InlineData("issuer=\"CN=Other CA,*\"", false)]
    [InlineData("serial=\"a1b\"", true)]                         // leading zeros and colons ignored
    [InlineData("serial=\"a1c\"", false)]
    [InlineData("group=\"eng\"", true)]                          // subject OU
    [InlineData("group=\"admins\"", true)]                       // SAN URI urn:ipsecfw:group:admins
    [InlineData("group=\"ops\"", false)]
    [InlineData("ver>=20240501", true)]                          // notBefore as YYYYMMDD
    [InlineData("ver>20240501", false)]
    [InlineData("ver=20240501", true)]
    [InlineData("ver<20240502, ver>20240430", true)]
    [InlineData("name=\"*.example.com\", group=\"ops\"", false)] // every predicate must hold
    public void X509_predicates_decide_membership(string predicates, bool member)
    {
        PolicySnapshot policy = Scenario.Compile($"p = x509{{{predicates}}};\nallow ssh(p, *);");
        Assert.Equal(member, policy.AuthorizePeer(s_alice).Contains(0));
    }

    [Fact]
    public void Explicit_version_overrides_not_before()
    {
        PolicySnapshot policy = Scenario.Compile("p = x509{ver>=7};\nallow ssh(p, *);");
        Assert.False(policy.AuthorizePeer(s_alice with { ExplicitVersion = 6 }).Contains(0));
        Assert.True(policy.AuthorizePeer(s_alice with { ExplicitVersion = 7 }).Contains(0));
    }

    [Fact]
    public void First_match_in_file_order_then_default_deny_with_response_and_log()
    {
        PolicySnapshot policy = ServerPolicy("""
            nets = IPv4{198.18.0.1-198.18.0.9, 192.0.2.0/24} | IPv6{2001:db8:1::/48};
            deny ssh(nets, servers) reject log;
            allow ssh(*, servers);
            allow tcp/5000-5100(nets, servers);
            default reject;
            """);

        Verdict v = policy.DecideInbound(Tcp("198.18.0.5", "198.19.0.1", 22), null);
        Assert.Equal(new Verdict(RuleAction.Deny, DenyResponse.Reject, true, 0, 3, false), v);
        Assert.Equal(1, policy.DecideInbound(Tcp("198.18.0.10", "198.19.0.1", 22), null).RuleIndex);
        Assert.Equal(0, policy.DecideInbound(Tcp("2001:db8:1::7", "2001:db8::1", 22), null).RuleIndex);
        Assert.Equal(2, policy.DecideInbound(Tcp("192.0.2.77", "198.19.0.1", 5050), null).RuleIndex);

        Verdict none = policy.DecideInbound(Tcp("203.0.113.1", "198.19.0.1", 5050), null);
        Assert.True(none.IsDefault);
        Assert.Equal((RuleAction.Deny, DenyResponse.Reject, 0), (none.Action, none.Response, none.Line));
        // The IPv6 part of the union does not stretch to other IPv6 prefixes.
        Assert.True(policy.DecideInbound(Tcp("2001:db8:2::7", "2001:db8::1", 22), null).RuleIndex == 1);
    }

    [Fact]
    public void Identity_groups_match_only_through_a_grant_of_the_same_policy()
    {
        PolicySnapshot policy = ServerPolicy("eng = x509{group=\"eng\"};\nallow https(eng, servers);");
        FlowKey flow = Tcp("198.19.9.9", "198.19.0.1", 443);

        Assert.True(policy.DecideInbound(flow, policy.AuthorizePeer(s_alice)).IsAllowed);
        Assert.False(policy.DecideInbound(flow, null).IsAllowed); // the same packet in clear
        PolicySnapshot other = ServerPolicy("eng = x509{group=\"eng\"};\nallow https(eng, servers);");
        Assert.False(policy.DecideInbound(flow, other.AuthorizePeer(s_alice)).IsAllowed);
    }

    [Fact]
    public void Process_rules_match_only_the_named_local_program_and_carry_keyed()
    {
        PolicySnapshot policy = ServerPolicy("allow ftp(servers, *) process \"/usr/bin/ftp\" keyed;");
        FlowKey flow = Tcp("198.19.0.1", "203.0.113.5", 21);

        Verdict ftp = policy.DecideOutbound(flow, null, "/usr/bin/ftp");
        Assert.True(ftp.IsAllowed);
        Assert.True(ftp.Keyed);
        Assert.False(policy.DecideOutbound(flow, null, "/usr/bin/curl").IsAllowed);
        Assert.False(policy.DecideOutbound(flow, null).IsAllowed);
    }

    [Fact]
    public void Services_cover_their_protocols_and_ports_only()
    {
        PolicySnapshot policy = ServerPolicy("allow domain(*, servers);\nallow icmp(*, servers);\nallow proto/47(*, servers);");
        IPAddress src = IPAddress.Parse("203.0.113.5"), dst = IPAddress.Parse("198.19.0.1");

        Assert.True(policy.DecideInbound(FlowKey.Create(src, dst, IpProtocol.Udp, 5353, 53), null).IsAllowed);
        Assert.True(policy.DecideInbound(FlowKey.Create(src, dst, IpProtocol.Tcp, 5353, 53), null).IsAllowed);
        Assert.False(policy.DecideInbound(FlowKey.Create(src, dst, IpProtocol.Udp, 53, 54), null).IsAllowed);
        Assert.True(policy.DecideInbound(FlowKey.Create(src, dst, IpProtocol.Icmp, icmpType: 8), null).IsAllowed);
        Assert.False(policy.DecideInbound(FlowKey.Create(src, dst, IpProtocol.Icmpv6, icmpType: 128), null).IsAllowed);
        Assert.True(policy.DecideInbound(FlowKey.Create(src, dst, 47), null).IsAllowed);
    }

    [Fact]
    public void Decisions_allocate_nothing()
    {
        PolicySnapshot policy = ServerPolicy("""
            eng = x509{group="eng"};
            nets = IPv4{198.18.0.0/15};
            deny ssh(nets, servers) log;
            allow https(eng, servers);
            allow *(servers, *);
            """);
        PeerGrant grant = policy.AuthorizePeer(s_alice);
        FlowKey inbound = Tcp("198.18.3.4", "198.19.0.1", 443), outbound = Tcp("198.19.0.1", "198.18.3.4", 22);
        int allowed = 0;
        // Warm up every call measured below (first calls, tiering), then count what the same calls allocate.
        for (int i = 0; i < 1_000; i++)
        {
            allowed += policy.DecideInbound(inbound, grant).IsAllowed ? 1 : 0;
            allowed += policy.DecideInbound(inbound, null).IsAllowed ? 1 : 0;
            allowed += policy.DecideOutbound(outbound, grant, "/usr/bin/ssh").IsAllowed ? 1 : 0;
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            allowed += policy.DecideInbound(inbound, grant).IsAllowed ? 1 : 0;
            allowed += policy.DecideInbound(inbound, null).IsAllowed ? 1 : 0;
            allowed += policy.DecideOutbound(outbound, grant, "/usr/bin/ssh").IsAllowed ? 1 : 0;
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
        Assert.Equal(2_000 + 20_000, allowed);
    }

    [Fact]
    public void Index_returns_only_rules_for_the_flows_service_in_file_order()
    {
        var rules = Enumerable.Range(1, 2000).Select(p => $"allow tcp/{p}(*, servers);");
        PolicySnapshot policy = ServerPolicy(string.Join("\n", rules) + "\nallow *(*, servers);\nallow udp/1-1000(*, servers);");
        var index = new RuleIndex([.. policy.Rules]);

        Assert.Equal([1499, 2000], index.Candidates(IpProtocol.Tcp, 1500).ToArray());
        Assert.Equal([2000], index.Candidates(IpProtocol.Tcp, 2001).ToArray());
        Assert.Equal([2000, 2001], index.Candidates(IpProtocol.Udp, 1000).ToArray());
        Assert.Equal([2000], index.Candidates(IpProtocol.Udp, 1001).ToArray());
        Assert.Equal([2000], index.Candidates(IpProtocol.Icmp, 0).ToArray());
        Assert.Equal(1499, policy.DecideInbound(Tcp("203.0.113.1", "198.19.0.1", 1500), null).RuleIndex);
    }
}
