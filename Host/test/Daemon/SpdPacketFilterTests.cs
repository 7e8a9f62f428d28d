using System.Net;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;
using IpsecFw.Host.Control;
using IpsecFw.Host.Daemon;
using IpsecFw.Host.Tests.Support;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;
using IpsecFw.Tun.Testing;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>
/// The data path's policy at host1 (host1.example.com, inner address 198.18.1.1) under the paper's Figure 1: SAs with
/// fake SPIs bound to the mail gateway, to host2 and to the time server's gateway; packets built with PacketBuilder, fed
/// one at a time as the loops would. Figure 1's rules are indices 0-3 on lines 5-8.
/// </summary>
public sealed class SpdPacketFilterTests
{
    private const uint MailGwIn = 0x100, MailGwOut = 0x101, Host2In = 0x200, Host2Out = 0x201, AnonIn = 0x300, AnonOut = 0x301;
    private static readonly IPAddress s_host1 = IPAddress.Parse("198.18.1.1");
    private static readonly IPAddress s_mailGw = IPAddress.Parse("198.18.2.2");
    private static readonly IPAddress s_host2 = IPAddress.Parse("198.18.3.3");
    private static readonly IPAddress s_timeServer = IPAddress.Parse("192.0.2.123");
    private static readonly IPAddress s_otherServer = IPAddress.Parse("192.0.2.124");

    private readonly RecordingLogger _log = new();
    private long _now = 1_000;

    [Fact]
    public void Inbound_connections_are_judged_as_Figure_1_says_at_host1()
    {
        SpdPacketFilter filter = Host1();

        // SMTP mail gateway -> host1: line 6, smtp(mail_gw, inside_net).
        Assert.Equal(PacketVerdict.Pass, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpSyn)));
        // SMTP host2 -> host1 (the subverted host): line 8 does not bind host1 as destination; default deny.
        Assert.Equal(PacketVerdict.PolicyDenied, In(filter, Host2In, PacketBuilder.Tcp(s_host2, s_host1, 40001, 25, PacketBuilder.TcpSyn)));
        // NTP from the time server's address, on an SA whose peer is in no group: line 7, by address.
        Assert.Equal(PacketVerdict.Pass, In(filter, AnonIn, PacketBuilder.Udp(s_timeServer, s_host1, 123, 123, [1, 2, 3])));
        // NTP from another address: default deny.
        Assert.Equal(PacketVerdict.PolicyDenied, In(filter, AnonIn, PacketBuilder.Udp(s_otherServer, s_host1, 123, 123, [1])));
        // SSH from the mail gateway: no rule for ssh binds host1 inbound.
        Assert.Equal(PacketVerdict.PolicyDenied, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40002, 22, PacketBuilder.TcpSyn)));
        // An SPI no SA is bound to: no grant, x509 rules cannot hold the peer.
        Assert.Equal(PacketVerdict.PolicyDenied, In(filter, 0xDEAD, PacketBuilder.Tcp(s_mailGw, s_host1, 40003, 25, PacketBuilder.TcpSyn)));

        IReadOnlyList<RuleHits> hits = filter.RuleHits();
        Assert.Equal(5, hits.Count);
        Assert.Equal((1, 6, "allow smtp(mail_gw, inside_net);", 1L, 0L), (hits[1].Index, hits[1].Line, hits[1].Text, hits[1].Allowed, hits[1].Denied));
        Assert.Equal((2, 7, 1L), (hits[2].Index, hits[2].Line, hits[2].Allowed));
        Assert.Equal((-1, "deny", 4L), (hits[4].Index, hits[4].Action, hits[4].Denied));
        Assert.Equal(0, hits[0].Allowed + hits[0].Denied + hits[3].Allowed + hits[3].Denied);
    }

    [Fact]
    public void A_denial_is_logged_with_the_flow_the_peer_and_the_deciding_rule()
    {
        SpdPacketFilter filter = Host1();
        Assert.Equal(PacketVerdict.PolicyDenied, In(filter, Host2In, PacketBuilder.Tcp(s_host2, s_host1, 40001, 25, PacketBuilder.TcpSyn)));
        string line = Assert.Single(_log.Lines);
        Assert.Contains("inbound tcp 198.18.3.3:40001 -> 198.18.1.1:25", line, StringComparison.Ordinal);
        Assert.Contains("SA 00000200 (peer host2)", line, StringComparison.Ordinal);
        Assert.Contains("the default deny", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Denial_logs_are_rate_limited_and_the_rest_summarised()
    {
        SpdPacketFilter filter = Host1();
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(PacketVerdict.PolicyDenied, In(filter, Host2In, PacketBuilder.Tcp(s_host2, s_host1, (ushort)(41000 + i), 25, PacketBuilder.TcpSyn)));
        }

        Assert.Equal(SpdPacketFilter.MaxDenialLogsPerSecond, _log.Lines.Count);
        _now += 1_000;
        Assert.Equal(PacketVerdict.PolicyDenied, In(filter, Host2In, PacketBuilder.Tcp(s_host2, s_host1, 42000, 25, PacketBuilder.TcpSyn)));
        Assert.Contains(_log.Lines, l => l.StartsWith("40 more policy denials", StringComparison.Ordinal));
        Assert.Equal(51, filter.RuleHits()[^1].Denied);
    }

    [Fact]
    public void The_packets_of_an_allowed_connection_pass_both_ways_without_new_decisions()
    {
        SpdPacketFilter filter = Host1();
        Assert.Equal(PacketVerdict.Pass, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpSyn)));
        Assert.Equal(PacketVerdict.Pass, Out(filter, MailGwOut, PacketBuilder.Tcp(s_host1, s_mailGw, 25, 40000, PacketBuilder.TcpSyn | PacketBuilder.TcpAck)));
        Assert.Equal(PacketVerdict.Pass, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpAck)));
        Assert.Equal(PacketVerdict.Pass, Out(filter, MailGwOut, PacketBuilder.Tcp(s_host1, s_mailGw, 25, 40000, PacketBuilder.TcpAck, [1, 2])));
        Assert.Equal(1, filter.RuleHits()[1].Allowed);
        Assert.Equal(0, filter.RuleHits()[3].Allowed); // the SYN-ACK passed by connection tracking, not by line 8
        Assert.Equal(1, filter.Connections.Count);
    }

    [Fact]
    public void A_reply_the_policy_alone_would_refuse_passes_when_this_host_opened_the_connection()
    {
        SpdPacketFilter filter = Host1();
        // host1 -> host2:8080 is line 8 (*(inside_net, *)) outbound; host2 -> host1:8080 inbound would be the default deny.
        Assert.Equal(PacketVerdict.Pass, Out(filter, Host2Out, PacketBuilder.Tcp(s_host1, s_host2, 50000, 8080, PacketBuilder.TcpSyn)));
        Assert.Equal(PacketVerdict.Pass, In(filter, Host2In, PacketBuilder.Tcp(s_host2, s_host1, 8080, 50000, PacketBuilder.TcpSyn | PacketBuilder.TcpAck)));
        Assert.Equal(PacketVerdict.PolicyDenied, In(filter, Host2In, PacketBuilder.Tcp(s_host2, s_host1, 50001, 8080, PacketBuilder.TcpSyn)));
        Assert.Equal(1, filter.RuleHits()[3].Allowed);
    }

    [Fact]
    public void A_TCP_segment_without_a_SYN_before_it_is_dropped_even_where_the_policy_allows_the_service()
    {
        SpdPacketFilter filter = Host1();
        Assert.Equal(PacketVerdict.ConntrackInvalid, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpAck)));
        Assert.Equal(PacketVerdict.ConntrackInvalid, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpSyn | PacketBuilder.TcpFin)));
        Assert.Equal(0, filter.Connections.Count);

        // A second SYN on an established connection is refused by its state.
        Assert.Equal(PacketVerdict.Pass, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40010, 25, PacketBuilder.TcpSyn)));
        Assert.Equal(PacketVerdict.Pass, Out(filter, MailGwOut, PacketBuilder.Tcp(s_host1, s_mailGw, 25, 40010, PacketBuilder.TcpSyn | PacketBuilder.TcpAck)));
        Assert.Equal(PacketVerdict.Pass, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40010, 25, PacketBuilder.TcpAck)));
        Assert.Equal(PacketVerdict.ConntrackInvalid, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40010, 25, PacketBuilder.TcpSyn)));
    }

    [Fact]
    public void Outbound_is_judged_with_the_grant_of_the_SA_the_packet_goes_on()
    {
        // At the mail gateway (also in inside_net: *.example.com): SMTP to host1's SA is line 6 (the peer is in
        // inside_net); on an anonymous SA only line 8, *(inside_net, *), holds the peer.
        SpdPacketFilter filter = Filter(Identity("mail-gw.example.com"), s_mailGw);
        filter.AddSa(MailGwIn, MailGwOut, "host1", Identity("host1.example.com"));
        filter.AddSa(AnonIn, AnonOut, "anon", null);
        Assert.Equal(PacketVerdict.Pass, Out(filter, MailGwOut, PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpSyn)));
        Assert.Equal(PacketVerdict.Pass, Out(filter, AnonOut, PacketBuilder.Tcp(s_mailGw, s_host2, 40000, 25, PacketBuilder.TcpSyn)));
        Assert.Equal((1L, 1L, 0L), (filter.RuleHits()[1].Allowed, filter.RuleHits()[3].Allowed, filter.RuleHits()[^1].Denied));

        // A host in no source group (outsider.example.org) may open nothing: the default deny, counted outbound.
        SpdPacketFilter outsider = Filter(Identity("outsider.example.org"), IPAddress.Parse("198.18.9.9"));
        outsider.AddSa(MailGwIn, MailGwOut, "mailgw", Identity("mail-gw.example.com"));
        Assert.Equal(PacketVerdict.PolicyDenied, Out(outsider, MailGwOut, PacketBuilder.Tcp(IPAddress.Parse("198.18.9.9"), s_mailGw, 40000, 25, PacketBuilder.TcpSyn)));
        Assert.Contains(_log.Lines, l => l.Contains("outbound tcp 198.18.9.9:40000 -> 198.18.2.2:25 on SA 00000101 (peer mailgw)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_removed_SA_takes_its_peer_with_it()
    {
        SpdPacketFilter filter = Host1();
        filter.RemoveSa(MailGwIn, MailGwOut);
        Assert.Equal(PacketVerdict.PolicyDenied, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpSyn)));
    }

    [Fact]
    public void A_new_policy_re_authorises_the_SAs_and_cuts_the_connections_it_forbids()
    {
        SpdPacketFilter filter = Host1();
        Assert.Equal(PacketVerdict.Pass, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpSyn)));
        Assert.Equal(PacketVerdict.Pass, In(filter, AnonIn, PacketBuilder.Udp(s_timeServer, s_host1, 123, 123, [1])));

        // Version 2 drops line 6 (SMTP from the mail gateway) and keeps NTP.
        string v2 = Figure1.Source.Replace("allow smtp(mail_gw, inside_net);", "deny smtp(mail_gw, inside_net);", StringComparison.Ordinal);
        Assert.Equal(1, filter.Apply(Specialize(Compile(v2, 2), Identity("host1.example.com"), s_host1), v2));
        Assert.Equal(1, filter.Connections.Count);
        Assert.Equal(PacketVerdict.PolicyDenied, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpAck)));
        Assert.Equal(PacketVerdict.Pass, In(filter, AnonIn, PacketBuilder.Udp(s_timeServer, s_host1, 123, 123, [2])));
        Assert.Equal((1, 6, 1L), (filter.RuleHits()[1].Index, filter.RuleHits()[1].Line, filter.RuleHits()[1].Denied));
        Assert.Contains(_log.Lines, l => l.StartsWith("Connection cut by policy version 2: inbound tcp 198.18.2.2:40000 -> 198.18.1.1:25", StringComparison.Ordinal));

        // Version 3 allows it again, with a grant computed under version 3 (a grant from version 1 would mean nothing).
        Assert.Equal(0, filter.Apply(Specialize(Compile(Figure1.Source, 3), Identity("host1.example.com"), s_host1), Figure1.Source));
        Assert.Equal(PacketVerdict.Pass, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40001, 25, PacketBuilder.TcpSyn)));
    }

    [Fact]
    public void Fragments_are_held_and_the_whole_datagram_is_judged_and_passed_on()
    {
        SpdPacketFilter filter = Host1();
        byte[] whole = PacketBuilder.Udp(s_timeServer, s_host1, 123, 123, new byte[100]);
        List<byte[]> fragments = PacketBuilder.FragmentIPv4(whole, 48, identification: 7);
        Assert.Equal(3, fragments.Count);
        Assert.Equal(PacketVerdict.FragmentHeld, In(filter, AnonIn, fragments[0]));
        Assert.Equal(PacketVerdict.FragmentHeld, In(filter, AnonIn, fragments[1]));
        PacketBuffer last = Buffer(fragments[2]);
        Assert.Equal(PacketVerdict.Pass, filter.Inbound(AnonIn, last));
        Assert.Equal(whole.Length, last.Length);
        Assert.Equal(whole[12..], last.Packet[12..].ToArray()); // addresses, UDP header and payload; id and flags are the fragments'

        // The same datagram from a source the policy refuses: reassembled, then denied.
        byte[] refused = PacketBuilder.Udp(s_otherServer, s_host1, 123, 123, new byte[100]);
        List<byte[]> parts = PacketBuilder.FragmentIPv4(refused, 48, identification: 8);
        Assert.Equal(PacketVerdict.FragmentHeld, In(filter, AnonIn, parts[2]));
        Assert.Equal(PacketVerdict.FragmentHeld, In(filter, AnonIn, parts[0]));
        Assert.Equal(PacketVerdict.PolicyDenied, In(filter, AnonIn, parts[1]));
    }

    [Fact]
    public void Overlapping_fragments_and_malformed_packets_are_dropped_with_their_reasons()
    {
        SpdPacketFilter filter = Host1();
        List<byte[]> fragments = PacketBuilder.FragmentIPv4(PacketBuilder.Udp(s_timeServer, s_host1, 123, 123, new byte[100]), 48, identification: 9);
        byte[] overlapping = (byte[])fragments[1].Clone();
        overlapping[^1] ^= 0xFF; // same bounds, other bytes: an overlap, not a duplicate (RFC 5722)
        Assert.Equal(PacketVerdict.FragmentHeld, In(filter, AnonIn, fragments[1]));
        Assert.Equal(PacketVerdict.FragmentDropped, In(filter, AnonIn, overlapping));
        Assert.Equal(PacketVerdict.FragmentDropped, In(filter, AnonIn, fragments[0]));
        Assert.Equal(1, filter.FragmentDrops(Spd.State.FragmentDropReason.Overlap));

        byte[] truncated = PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpSyn)[..30];
        truncated[3] = 30; // total length agrees with the bytes, the TCP header does not fit
        Assert.Equal(PacketVerdict.Malformed, In(filter, MailGwIn, truncated));
    }

    [Fact]
    public void Nothing_passes_before_a_policy_is_applied()
    {
        var filter = new SpdPacketFilter(_log, () => _now, 1024);
        Assert.Equal(PacketVerdict.NoPolicy, In(filter, MailGwIn, PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpSyn)));
        Assert.Equal(PacketVerdict.NoPolicy, Out(filter, MailGwOut, PacketBuilder.Tcp(s_host1, s_mailGw, 25, 40000, PacketBuilder.TcpSyn)));
        Assert.Empty(filter.RuleHits());
    }

    [Fact]
    public void A_full_connection_table_refuses_new_flows_and_says_so()
    {
        SpdPacketFilter filter = Filter(Identity("host1.example.com"), s_host1, connections: 1);
        filter.AddSa(AnonIn, AnonOut, "anon", null);
        PacketVerdict last = PacketVerdict.Pass;
        for (int i = 0; i < 2048 && last == PacketVerdict.Pass; i++)
        {
            last = In(filter, AnonIn, PacketBuilder.Udp(s_timeServer, s_host1, (ushort)(1024 + i), 123, [1]));
        }

        Assert.Equal(PacketVerdict.ConntrackFull, last);
        Assert.True(filter.Connections.DroppedFull >= 1);
    }

    [Fact]
    public async Task Status_shows_the_rule_hits_of_the_running_policy()
    {
        using var dir = new TempDirectory();
        dir.Write("p.pol", Figure1.Source);
        string path = dir.Write("config.json", """{ "policy": { "source": "p.pol", "self": "host1.example.com" }, "control": { "socket": "/run/x.sock" } }""");
        var config = IpsecFw.Host.Configuration.ConfigLoader.Load(path).Config!;
        var state = new DaemonState(path, config, DateTimeOffset.UnixEpoch);
        var policy = new PolicyService(TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<PolicyService>.Instance);
        Assert.True(policy.Load(config));
        using var filter = new SpdPacketFilter(policy, Microsoft.Extensions.Logging.Abstractions.NullLogger<SpdPacketFilter>.Instance);
        filter.AddSa(MailGwIn, MailGwOut, "mailgw", Identity("mail-gw.example.com"));
        Assert.Equal(PacketVerdict.Pass, filter.Inbound(MailGwIn, Buffer(PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpSyn))));
        using var reloader = new Reloader(state, policy, Microsoft.Extensions.Logging.Abstractions.NullLogger<Reloader>.Instance);
        var handler = new ControlCommandHandler(state, policy, new EmptySaSource(), [new DataPathStatusSource(new DataPathCounters(), filter)],
            reloader, TimeProvider.System, filter);

        ControlResponse response = await handler.HandleAsync(new ControlRequest { Command = "status" }, TestContext.Current.CancellationToken);
        IReadOnlyList<RuleHits> hits = response.Status!.Policy.RuleHits!;
        Assert.Equal("allow smtp(mail_gw, inside_net);", hits[1].Text);
        Assert.Equal(1, hits[1].Allowed);
        Assert.Equal(1, response.Status.Counters["datapath"]["conntrack.entries"]);
        Assert.Equal(0, response.Status.Counters["datapath"]["drops.policy_denied_in"]);

        // A reload that changes the policy re-applies it: hits start again, the SA's peer is authorised anew.
        dir.Write("p.pol", Figure1.SourceWithSsh);
        Assert.True((await reloader.ReloadAsync("test", TestContext.Current.CancellationToken)).Ok);
        Assert.Equal(2, filter.Enforced!.Version);
        Assert.Equal(6, filter.RuleHits().Count);
        Assert.Equal(0, filter.RuleHits()[1].Allowed);
        Assert.Equal(PacketVerdict.Pass, filter.Inbound(MailGwIn, Buffer(PacketBuilder.Tcp(s_mailGw, s_host1, 40001, 22, PacketBuilder.TcpSyn))));
        Assert.Equal(1, filter.RuleHits()[4].Allowed);
    }

    [Fact]
    public void Judging_packets_allocates_nothing_once_warm()
    {
        // Denials are logged (that allocates, at most MaxDenialLogsPerSecond a second): measured here with logging off.
        // Each denial is also an intrusion-detection event copied into the pipeline's ring (64 slots: it fills up
        // during the warm-up, so both the write and the counted drop of a full ring are measured).
        using var events = new IpsecFw.Host.Events.EventPipeline(new IpsecFw.Host.Configuration.EventsOptions { QueueSize = 64 }, "/",
            TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, []);
        var filter = new SpdPacketFilter(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, () => _now, 4096, events);
        filter.Apply(Specialize(Compile(Figure1.Source, 1), Identity("host1.example.com"), s_host1), Figure1.Source);
        filter.AddSa(MailGwIn, MailGwOut, "mailgw", Identity("mail-gw.example.com"));
        filter.AddSa(AnonIn, AnonOut, "anon", null);
        PacketBuffer syn = Buffer(PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpSyn));
        PacketBuffer synAck = Buffer(PacketBuilder.Tcp(s_host1, s_mailGw, 25, 40000, PacketBuilder.TcpSyn | PacketBuilder.TcpAck));
        PacketBuffer ack = Buffer(PacketBuilder.Tcp(s_mailGw, s_host1, 40000, 25, PacketBuilder.TcpAck, new byte[100]));
        PacketBuffer reply = Buffer(PacketBuilder.Tcp(s_host1, s_mailGw, 25, 40000, PacketBuilder.TcpAck, new byte[100]));
        PacketBuffer[] ntp = [.. Enumerable.Range(0, 2000).Select(i => Buffer(PacketBuilder.Udp(s_timeServer, s_host1, (ushort)(1024 + i), 123, [1])))];
        PacketBuffer denied = Buffer(PacketBuilder.Udp(s_otherServer, s_host1, 123, 123, [1]));
        Assert.Equal(PacketVerdict.Pass, filter.Inbound(MailGwIn, syn));
        Assert.Equal(PacketVerdict.Pass, filter.Outbound(MailGwOut, synAck));
        for (int i = 0; i < 1000; i++)
        {
            filter.Inbound(MailGwIn, ack);
            filter.Outbound(MailGwOut, reply);
            filter.Inbound(AnonIn, ntp[i]);
            filter.Inbound(AnonIn, denied);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            filter.Inbound(MailGwIn, ack);
            filter.Outbound(MailGwOut, reply);
            filter.Inbound(AnonIn, ntp[1000 + i]); // a new flow each time: decided and tracked
            filter.Inbound(AnonIn, denied);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(PacketVerdict.Pass, filter.Inbound(MailGwIn, ack));
        Assert.Equal(2000, filter.RuleHits()[2].Allowed);
        Assert.Equal(2000, filter.RuleHits()[^1].Denied);
        IReadOnlyDictionary<string, long> counters = events.ReadCounters();
        Assert.Equal((2000L, 2000L - 64L), (counters["recorded"], counters["dropped_queue_full"]));
    }

    [Fact]
    public void The_host_is_itself_at_its_overlay_addresses_and_at_its_IKE_address()
    {
        var config = new IpsecFw.Host.Configuration.HostConfig
        {
            Policy = new(),
            Ike = new IpsecFw.Host.Configuration.IkeOptions { LocalAddress = "198.18.0.9" },
            Tun = new IpsecFw.Host.Configuration.TunOptions { Addresses = ["198.19.8.1/24", "2001:2:8::1/64"] },
        };
        Assert.Equal([IPAddress.Parse("198.19.8.1"), IPAddress.Parse("2001:2:8::1"), IPAddress.Parse("198.18.0.9")], SelfIdentity.Addresses(config));

        // An address group naming the IKE address binds the host: NTP from the time server to it is line 7's.
        const string Source = "me = IPv4{198.18.0.9};\nts = IPv4{192.0.2.123};\nallow ntp(ts, me);\n";
        PolicySnapshot local = Compile(Source, 1).Specialize(null, SelfIdentity.Addresses(config));
        Assert.True(local.DecideInbound(FlowKey.Create(s_timeServer, IPAddress.Parse("198.18.0.9"), 17, 123, 123), null).IsAllowed);
        Assert.Equal([0], local.InboundRules);
    }

    private SpdPacketFilter Host1()
    {
        SpdPacketFilter filter = Filter(Identity("host1.example.com"), s_host1);
        filter.AddSa(MailGwIn, MailGwOut, "mailgw", Identity("mail-gw.example.com"));
        filter.AddSa(Host2In, Host2Out, "host2", Identity("host2.example.com"));
        filter.AddSa(AnonIn, AnonOut, "anon", null);
        return filter;
    }

    private SpdPacketFilter Filter(PeerIdentity self, IPAddress address, int connections = 1024)
    {
        var filter = new SpdPacketFilter(_log, () => _now, connections);
        filter.Apply(Specialize(Compile(Figure1.Source, 1), self, address), Figure1.Source);
        _log.Lines.Clear();
        return filter;
    }

    private static PolicySnapshot Compile(string source, long version) =>
        PolicyCompiler.Compile(source, "figure1.pol", version).Snapshot ?? throw new InvalidOperationException("does not compile");

    private static PolicySnapshot Specialize(PolicySnapshot snapshot, PeerIdentity self, IPAddress address) => snapshot.Specialize(self, [address]);

    private static PeerIdentity Identity(string name) => new()
    {
        SubjectDn = "CN=" + name,
        CommonName = name,
        DnsNames = [name],
        NotBefore = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
        NotAfter = new DateTimeOffset(2035, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    private static PacketVerdict In(SpdPacketFilter filter, uint spi, byte[] packet) => filter.Inbound(spi, Buffer(packet));

    private static PacketVerdict Out(SpdPacketFilter filter, uint spi, byte[] packet) => filter.Outbound(spi, Buffer(packet));

    /// <summary>A pooled-size buffer holding <paramref name="packet"/> where the inbound loop leaves a decrypted packet.</summary>
    private static PacketBuffer Buffer(byte[] packet)
    {
        var buffer = new PacketBuffer(2048) { Offset = PacketBuffer.Headroom + 8, Length = packet.Length };
        packet.CopyTo(buffer.Packet);
        return buffer;
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }
}
