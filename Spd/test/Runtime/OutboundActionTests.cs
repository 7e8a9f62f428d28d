using System.Net;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;
using IpsecFw.Spd.Tests.Figures;

namespace IpsecFw.Spd.Tests.Runtime;

public sealed class OutboundActionTests
{
    private static readonly DateTimeOffset s_current = new(2000, 1, 10, 0, 0, 0, TimeSpan.Zero);
    private static readonly TestHost s_gateway = TestHost.WithCertificate("mail-gw.example.com", "198.19.0.25", s_current);
    private static readonly TestHost s_host1 = TestHost.WithCertificate("host1.example.com", "198.19.0.1", s_current);
    private static readonly TestHost s_host2 = TestHost.WithCertificate("host2.example.com", "198.19.0.2", s_current);
    private static readonly TestHost s_old = TestHost.WithCertificate("old.example.com", "198.19.0.3", new(1999, 3, 1, 0, 0, 0, TimeSpan.Zero));
    private static readonly TestHost s_timeServer = TestHost.Anonymous("192.0.2.123");
    private static readonly TestHost s_outsider = TestHost.Anonymous("203.0.113.9");

    private static UInt128 A(TestHost h) => IpAddressCodec.FromIPAddress(h.Address);

    private static FlowKey Flow(TestHost from, TestHost to, string service, ushort sourcePort = 40000)
    {
        Assert.True(ServiceTable.TryResolve(service, out ServicePort[] ports, out _));
        return FlowKey.Create(from.Address, to.Address, ports[0].Protocol, sourcePort, ports[0].FirstPort);
    }

    private static PolicySnapshot At(string figure, TestHost host) => Scenario.Compile(figure).Specialize(host.Identity, [host.Address]);

    [Fact]
    public void Mail_gateway_to_inside_host_is_protect_with_host_selectors_and_the_smtp_port()
    {
        PolicySnapshot gw = At(PaperFigures.Figure1, s_gateway);
        OutboundDecision d = gw.DecideOutboundAction(Flow(s_gateway, s_host1, "smtp"));

        Assert.Equal(OutboundAction.Protect, d.Action);
        Assert.Equal(6, d.Verdict.Line);
        Assert.Equal(gw.GroupIndex("inside_net"), d.RequiredGroup);
        Assert.Equal(new TrafficSelectorRange(6, 0, 65535, A(s_gateway), A(s_gateway)), d.Local);
        Assert.Equal(new TrafficSelectorRange(6, 25, 25, A(s_host1), A(s_host1)), d.Remote);
        Assert.True(d.Local.IsIPv4);
        Assert.False(d.Keyed);

        // Once the SA is up, the peer's grant satisfies the required group and the ordered check agrees.
        PeerGrant host1 = gw.AuthorizePeer(s_host1.Identity!);
        Assert.True(host1.Contains(d.RequiredGroup));
        Assert.True(gw.DecideOutbound(Flow(s_gateway, s_host1, "smtp"), host1).IsAllowed);
        Assert.False(gw.AuthorizePeer(s_old.Identity! with { CommonName = "x.attacker.org", DnsNames = [] }).Contains(d.RequiredGroup));
    }

    [Fact]
    public void Figure2_mail_gateway_to_inside_host_is_protect_and_an_old_certificate_does_not_satisfy_it()
    {
        PolicySnapshot gw = At(PaperFigures.Figure2, s_gateway);
        OutboundDecision d = gw.DecideOutboundAction(Flow(s_gateway, s_old, "smtp"));
        Assert.Equal(OutboundAction.Protect, d.Action);
        Assert.False(gw.AuthorizePeer(s_old.Identity!).Contains(d.RequiredGroup));
        Assert.True(gw.AuthorizePeer(s_host1.Identity!).Contains(d.RequiredGroup));
    }

    [Theory]
    [InlineData(1, "host1", "outsider", "ssh", OutboundAction.Bypass, 8)]   // *(inside_net, *): any peer, in clear
    [InlineData(1, "host1", "host2", "smtp", OutboundAction.Bypass, 8)]     // host1 may send; host2's inbound refuses
    [InlineData(1, "gateway", "outsider", "domain", OutboundAction.Bypass, 8)]
    [InlineData(2, "host1", "outsider", "https", OutboundAction.Bypass, 7)]
    [InlineData(2, "old", "outsider", "ssh", OutboundAction.Discard, 0)]    // outside inside_net: default deny
    [InlineData(1, "gateway", "host2", "smtp", OutboundAction.Protect, 6)]
    [InlineData(2, "gateway", "host1", "smtp", OutboundAction.Protect, 6)]
    public void Outbound_verdict_kinds_on_the_paper_figures(int figure, string from, string to, string service, OutboundAction action, int line)
    {
        Dictionary<string, TestHost> hosts = new()
        {
            ["gateway"] = s_gateway,
            ["host1"] = s_host1,
            ["host2"] = s_host2,
            ["old"] = s_old,
            ["outsider"] = s_outsider,
        };
        PolicySnapshot local = At(figure == 1 ? PaperFigures.Figure1 : PaperFigures.Figure2, hosts[from]);
        OutboundDecision d = local.DecideOutboundAction(Flow(hosts[from], hosts[to], service));
        Assert.Equal(action, d.Action);
        Assert.Equal(line, d.Verdict.Line);
        Assert.Equal(action != OutboundAction.Discard, d.IsAllowed);
        if (action != OutboundAction.Protect)
        {
            Assert.Equal(-1, d.RequiredGroup);
            Assert.Equal(default, d.Remote);
        }
    }

    [Fact]
    public void Ntp_from_the_time_server_is_an_address_rule_allowed_in_clear()
    {
        PolicySnapshot host1 = At(PaperFigures.Figure1, s_host1);
        FlowKey ntp = Flow(s_timeServer, s_host1, "ntp", 123);
        Verdict inClear = host1.DecideInbound(ntp, peer: null);
        Assert.True(inClear.IsAllowed);
        Assert.Equal(7, inClear.Line);
        CompiledRule rule = host1.Rules[inClear.RuleIndex];
        Assert.Empty(host1.Groups[rule.Source].Identities); // time_server is an address group: no SA needed
        Assert.False(host1.DecideInbound(Flow(s_outsider, s_host1, "ntp", 123), null).IsAllowed);
    }

    [Fact]
    public void Address_groups_bypass_identity_groups_protect_and_deny_discards_in_order()
    {
        var self = new PeerIdentity { CommonName = "srv.example.com", DnsNames = ["srv.example.com"] };
        PolicySnapshot p = Scenario.Compile("""
            me = x509{name="srv.example.com"};
            peers = x509{name="*.peer.example"};
            lan = IPv4{198.18.0.0/24} | IPv6{2001:2::/64};
            deny ssh(me, lan);
            allow ssh(me, peers);
            allow tcp/8000-8099(me, lan);
            allow tcp/8000-8099(me, peers);
            allow *(me, peers) process "/usr/bin/ftp" keyed;
            """).Specialize(self, [IPAddress.Parse("198.19.7.7"), IPAddress.Parse("2001:2::7")]);
        FlowKey F(string s, string d, ushort port, byte proto = 6) => FlowKey.Create(IPAddress.Parse(s), IPAddress.Parse(d), proto, 50000, port);

        Assert.Equal(OutboundAction.Discard, p.DecideOutboundAction(F("198.19.7.7", "198.18.0.9", 22)).Action);
        OutboundDecision ssh = p.DecideOutboundAction(F("198.19.7.7", "198.18.1.9", 22));
        Assert.Equal((OutboundAction.Protect, 5), (ssh.Action, ssh.Verdict.Line));
        Assert.Equal(OutboundAction.Bypass, p.DecideOutboundAction(F("2001:2::7", "2001:2::9", 8050)).Action);

        OutboundDecision web = p.DecideOutboundAction(F("2001:2::7", "2001:2:0:1::9", 8050));
        Assert.Equal((OutboundAction.Protect, 7), (web.Action, web.Verdict.Line));
        Assert.Equal(new TrafficSelectorRange(6, 8000, 8099, web.Remote.StartAddress, web.Remote.StartAddress), web.Remote);
        Assert.False(web.Remote.IsIPv4);

        // Service * on a keyed process rule: protocol "any" and all ports, and the verdict is keyed.
        OutboundDecision ftp = p.DecideOutboundAction(F("198.19.7.7", "198.18.1.9", 21), "/usr/bin/ftp");
        Assert.Equal(OutboundAction.Protect, ftp.Action);
        Assert.True(ftp.Keyed);
        Assert.Equal(new TrafficSelectorRange(0, 0, 65535, ftp.Remote.StartAddress, ftp.Remote.EndAddress), ftp.Remote);
        Assert.Equal(OutboundAction.Discard, p.DecideOutboundAction(F("198.19.7.7", "198.18.1.9", 21), "/usr/bin/curl").Action);

        // ICMP has no ports: every type and code.
        OutboundDecision ping = p.DecideOutboundAction(F("198.19.7.7", "198.18.1.9", 0, 1), "/usr/bin/ftp");
        Assert.Equal((byte)0, ping.Remote.Protocol);
    }

    [Fact]
    public void Admission_at_ike_auth_needs_an_allow_rule_for_the_peer_or_any_peer()
    {
        PolicySnapshot host1 = At(PaperFigures.Figure1, s_host1);
        // host1 enforces *(inside_net, *) outbound: any peer may have an SA with it.
        Assert.True(host1.AdmitsPeer(host1.AuthorizePeer(s_outsider.Identity ?? new PeerIdentity { CommonName = "x.org" })));

        PolicySnapshot strict = Scenario.Compile("""
            me = x509{name="srv.example.com"};
            admins = x509{name="*.admin.example"};
            lan = IPv4{198.18.0.0/24};
            allow ssh(admins, me);
            allow ntp(lan, me);
            """).Specialize(new PeerIdentity { CommonName = "srv.example.com" }, [IPAddress.Parse("198.19.7.7")]);
        Assert.True(strict.AdmitsPeer(strict.AuthorizePeer(new PeerIdentity { CommonName = "a.admin.example" })));
        Assert.False(strict.AdmitsPeer(strict.AuthorizePeer(new PeerIdentity { CommonName = "b.other.example" })));
    }

    [Fact]
    public void Outbound_action_allocates_nothing()
    {
        PolicySnapshot gw = At(PaperFigures.Figure1, s_gateway);
        FlowKey protect = Flow(s_gateway, s_host1, "smtp"), bypass = Flow(s_gateway, s_outsider, "https");
        NoAllocation.Assert(count =>
        {
            int n = 0;
            for (int i = 0; i < count; i++)
            {
                n += (int)gw.DecideOutboundAction(protect).Action + (int)gw.DecideOutboundAction(bypass).Action;
            }

            return n;
        });
    }

    [Fact]
    public void Rule_action_and_outbound_action_agree_with_decide_outbound_in_clear()
    {
        PolicySnapshot host1 = At(PaperFigures.Figure1, s_host1);
        FlowKey flow = Flow(s_host1, s_outsider, "ssh");
        Assert.Equal(host1.DecideOutbound(flow, null), host1.DecideOutboundAction(flow).Verdict);
        Assert.Equal(RuleAction.Allow, host1.DecideOutboundAction(flow).Verdict.Action);
    }
}
