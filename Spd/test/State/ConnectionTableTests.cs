using System.Net;
using IpsecFw.Spd.Packets;
using IpsecFw.Spd.Runtime;
using IpsecFw.Spd.State;

namespace IpsecFw.Spd.Tests.State;

public sealed class ConnectionTableTests
{
    private const TcpFlags Syn = TcpFlags.Syn;
    private const TcpFlags SynAck = TcpFlags.Syn | TcpFlags.Ack;
    private const TcpFlags Ack = TcpFlags.Ack;
    private const TcpFlags FinAck = TcpFlags.Fin | TcpFlags.Ack;
    private const TcpFlags Rst = TcpFlags.Rst;

    private static readonly ConnectionAdmission s_admitted = new(1, 0, OutboundAction.Bypass, 0, null);

    private static FlowKey Tcp(ushort sourcePort = 40000, ushort destinationPort = 22, string s = "198.19.0.1", string d = "198.18.0.9") =>
        FlowKey.Create(IPAddress.Parse(s), IPAddress.Parse(d), IpProtocol.Tcp, sourcePort, destinationPort);

    private static FlowKey Reverse(FlowKey f) =>
        new(f.Destination, f.Source, f.Protocol, f.DestinationPort, f.SourcePort, f.IcmpType);

    private static ConnectionState StateOf(ConnectionTable table, FlowKey flow, long now) =>
        table.TryGet(flow, now, out ConnectionInfo info) ? info.State : ConnectionState.None;

    // One numbered table per scenario, as wireguard's replay test: (step, packet direction, flags, expected result, state after).
    private static void Play(ConnectionTable table, FlowKey flow, (int Step, bool Reply, TcpFlags Flags, ConntrackResult Result, ConnectionState State)[] steps)
    {
        foreach ((int step, bool reply, TcpFlags flags, ConntrackResult result, ConnectionState state) in steps)
        {
            ConntrackResult actual = table.Update(reply ? Reverse(flow) : flow, flags, step, out _);
            Assert.True(result == actual, $"step {step}: {result} expected, {actual} got");
            Assert.True(state == StateOf(table, flow, step), $"step {step}: {state} expected, {StateOf(table, flow, step)} got");
        }
    }

    [Fact]
    public void Tcp_handshake_data_and_a_close_initiated_by_this_host()
    {
        var table = new ConnectionTable(64);
        FlowKey flow = Tcp();
        Assert.Equal(TrackResult.Tracked, table.Track(flow, Syn, locallyInitiated: true, 0, s_admitted));
        Assert.Equal(ConnectionState.TcpSynSent, StateOf(table, flow, 0));
        Play(table, flow,
        [
            (1, true, SynAck, ConntrackResult.Reply, ConnectionState.TcpSynReceived),
            (2, false, Ack, ConntrackResult.Original, ConnectionState.TcpEstablished),
            (3, false, Ack | TcpFlags.Psh, ConntrackResult.Original, ConnectionState.TcpEstablished),
            (4, true, Ack | TcpFlags.Psh, ConntrackResult.Reply, ConnectionState.TcpEstablished),
            (5, false, FinAck, ConntrackResult.Original, ConnectionState.TcpFinWait),
            (6, false, FinAck, ConntrackResult.Original, ConnectionState.TcpFinWait),      // retransmitted FIN
            (7, true, Ack, ConntrackResult.Reply, ConnectionState.TcpCloseWait),           // the peer acknowledges it
            (8, true, Ack | TcpFlags.Psh, ConntrackResult.Reply, ConnectionState.TcpCloseWait), // and may still send
            (9, true, FinAck, ConntrackResult.Reply, ConnectionState.TcpLastAck),
            (10, false, Ack, ConntrackResult.Original, ConnectionState.TcpTimeWait),
            (11, true, FinAck, ConntrackResult.Reply, ConnectionState.TcpTimeWait),        // a late retransmission
        ]);
        Assert.True(table.TryGet(flow, 11, out ConnectionInfo info) && info.LocallyInitiated);
    }

    [Fact]
    public void Tcp_fin_both_ways_at_once()
    {
        var table = new ConnectionTable(64);
        FlowKey flow = Tcp();
        table.Track(flow, Syn, true, 0, s_admitted);
        Play(table, flow,
        [
            (1, true, SynAck, ConntrackResult.Reply, ConnectionState.TcpSynReceived),
            (2, false, Ack, ConntrackResult.Original, ConnectionState.TcpEstablished),
            (3, true, FinAck, ConntrackResult.Reply, ConnectionState.TcpFinWait),
            (4, false, FinAck, ConntrackResult.Original, ConnectionState.TcpLastAck),
            (5, true, Ack, ConntrackResult.Reply, ConnectionState.TcpTimeWait),
            (6, false, Ack, ConntrackResult.Original, ConnectionState.TcpTimeWait),
        ]);
    }

    [Fact]
    public void Tcp_simultaneous_open()
    {
        var table = new ConnectionTable(64);
        FlowKey flow = Tcp(5000, 5000);
        table.Track(flow, Syn, true, 0, s_admitted);
        Play(table, flow,
        [
            (1, true, Syn, ConntrackResult.Reply, ConnectionState.TcpSynSent2),
            (2, false, SynAck, ConntrackResult.Original, ConnectionState.TcpSynReceived),
            (3, true, SynAck, ConntrackResult.Reply, ConnectionState.TcpSynReceived),
            (4, true, Ack, ConntrackResult.Reply, ConnectionState.TcpEstablished),
        ]);
    }

    [Fact]
    public void Tcp_reset_closes_and_only_a_new_syn_reopens()
    {
        var table = new ConnectionTable(64);
        FlowKey flow = Tcp();
        table.Track(flow, Syn, true, 0, s_admitted);
        Play(table, flow,
        [
            (1, true, SynAck, ConntrackResult.Reply, ConnectionState.TcpSynReceived),
            (2, false, Ack, ConntrackResult.Original, ConnectionState.TcpEstablished),
            (3, true, Rst, ConntrackResult.Reply, ConnectionState.TcpClose),
            (4, true, Ack, ConntrackResult.Invalid, ConnectionState.TcpClose),
            (5, false, Ack, ConntrackResult.Invalid, ConnectionState.TcpClose),
            (6, true, Syn, ConntrackResult.Invalid, ConnectionState.TcpClose),          // the peer cannot reopen it
            (7, false, Syn, ConntrackResult.Original, ConnectionState.TcpSynSent),      // a new connection on the same ports
        ]);

        // An RST refused before the handshake completes (port closed) closes it too.
        FlowKey other = Tcp(40001);
        table.Track(other, Syn, true, 10, s_admitted);
        Assert.Equal(ConntrackResult.Reply, table.Update(Reverse(other), Rst | Ack, 11, out _));
        Assert.Equal(ConnectionState.TcpClose, StateOf(table, other, 11));
        Assert.Equal(10_000, table.Timeouts.TcpClose);
        Assert.Equal(ConntrackResult.New, table.Update(other, Ack, 11 + 10_000, out _));
    }

    [Fact]
    public void Tcp_packets_the_state_does_not_allow_are_invalid_and_change_nothing()
    {
        var table = new ConnectionTable(64);
        FlowKey flow = Tcp();
        table.Track(flow, Syn, true, 0, s_admitted);
        Play(table, flow,
        [
            (1, true, Ack, ConntrackResult.Invalid, ConnectionState.TcpSynSent),           // an ACK scan's answer
            (2, true, TcpFlags.None, ConntrackResult.Invalid, ConnectionState.TcpSynSent), // null scan
            (3, true, TcpFlags.Syn | TcpFlags.Fin, ConntrackResult.Invalid, ConnectionState.TcpSynSent),
            (4, true, FinAck, ConntrackResult.Invalid, ConnectionState.TcpSynSent),
            (5, false, SynAck, ConntrackResult.Invalid, ConnectionState.TcpSynSent),       // SYN-ACK from the opener
            (6, true, SynAck, ConntrackResult.Reply, ConnectionState.TcpSynReceived),
            (7, false, Ack, ConntrackResult.Original, ConnectionState.TcpEstablished),
            (8, true, Syn, ConntrackResult.Invalid, ConnectionState.TcpEstablished),
            (9, true, SynAck, ConntrackResult.Reply, ConnectionState.TcpEstablished),      // a retransmitted SYN-ACK
        ]);
        Assert.Equal(6, table.InvalidPackets);

        // Only a bare SYN opens a TCP connection.
        foreach (TcpFlags flags in new[] { Ack, SynAck, FinAck, Rst, TcpFlags.None })
        {
            Assert.Equal(TrackResult.NotInitial, table.Track(Tcp(41000), flags, true, 0, s_admitted));
        }

        Assert.Equal(5, table.DroppedNotInitial);
    }

    [Fact]
    public void Tcp_timeouts_are_linux_defaults_and_refresh_on_each_packet()
    {
        var table = new ConnectionTable(64);
        FlowKey flow = Tcp();
        long t = 1_000;
        table.Track(flow, Syn, true, t, s_admitted);
        Assert.True(table.TryGet(flow, t + 119_999, out _));
        Assert.False(table.TryGet(flow, t + 120_000, out _)); // SYN_SENT: 2 minutes

        table.Track(flow, Syn, true, t, s_admitted);
        table.Update(Reverse(flow), SynAck, t, out _);
        table.Update(flow, Ack, t, out _);
        long fiveDays = 5L * 24 * 3600 * 1000;
        Assert.True(table.TryGet(flow, t + fiveDays - 1, out _));
        Assert.Equal(ConntrackResult.Original, table.Update(flow, Ack, t + fiveDays - 1, out _)); // refreshed
        Assert.True(table.TryGet(flow, t + (2 * fiveDays) - 2, out _));
        Assert.False(table.TryGet(flow, t + (2 * fiveDays) - 1, out _));
        Assert.Equal(ConntrackResult.New, table.Update(flow, Ack, t + (2 * fiveDays), out _));
        Assert.Equal(1, table.ExpiredEntries); // the look-up that met it removed it
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Udp_unreplied_30_seconds_then_assured_120_seconds()
    {
        var table = new ConnectionTable(64);
        var flow = FlowKey.Create(IPAddress.Parse("198.19.0.1"), IPAddress.Parse("198.18.0.53"), IpProtocol.Udp, 53000, 53);
        Assert.Equal(TrackResult.Tracked, table.Track(flow, TcpFlags.None, true, 0, s_admitted));
        Assert.False(table.TryGet(flow, 30_000, out _));

        Assert.Equal(TrackResult.Tracked, table.Track(flow, TcpFlags.None, true, 30_000, s_admitted));
        Assert.Equal(ConntrackResult.Reply, table.Update(Reverse(flow), TcpFlags.None, 40_000, out ConnectionInfo info));
        Assert.Equal(ConnectionState.UdpAssured, info.State);
        Assert.True(table.TryGet(flow, 40_000 + 119_999, out _));
        Assert.False(table.TryGet(flow, 40_000 + 120_000, out _));

        // A datagram from the same peer to another local port is not a reply.
        FlowKey stray = flow with { Source = flow.Destination, Destination = flow.Source, SourcePort = 53, DestinationPort = 53001 };
        Assert.Equal(ConntrackResult.New, table.Update(stray, TcpFlags.None, 40_001, out _));
    }

    [Theory]
    [InlineData("198.19.0.1", "198.18.0.9", 8, 0)]
    [InlineData("2001:2::1", "2001:2::9", 128, 129)]
    public void Icmp_echo_replies_pass_for_30_seconds_and_nothing_else_does(string local, string remote, byte request, byte reply)
    {
        var table = new ConnectionTable(64);
        byte protocol = request == 8 ? IpProtocol.Icmp : IpProtocol.Icmpv6;
        var ping = new FlowKey(IpAddressCodec.FromIPAddress(IPAddress.Parse(local)), IpAddressCodec.FromIPAddress(IPAddress.Parse(remote)),
            protocol, 0x1234, 0x1234, request);
        Assert.Equal(TrackResult.NotInitial, table.Track(ping with { IcmpType = reply }, TcpFlags.None, true, 0, s_admitted));
        Assert.Equal(TrackResult.Tracked, table.Track(ping, TcpFlags.None, true, 0, s_admitted));

        FlowKey pong = Reverse(ping) with { IcmpType = reply };
        Assert.Equal(ConntrackResult.Reply, table.Update(pong, TcpFlags.None, 1_000, out _));
        Assert.Equal(ConntrackResult.Invalid, table.Update(Reverse(ping), TcpFlags.None, 1_000, out _)); // a request back
        Assert.Equal(ConntrackResult.Invalid, table.Update(pong with { IcmpType = 3 }, TcpFlags.None, 1_000, out _));
        Assert.Equal(ConntrackResult.New, table.Update(pong with { SourcePort = 0x9999, DestinationPort = 0x9999 }, TcpFlags.None, 1_000, out _));
        Assert.True(table.TryGet(ping, 30_999, out _));
        Assert.Equal(ConntrackResult.New, table.Update(pong, TcpFlags.None, 31_000, out _));
    }

    [Fact]
    public void A_full_table_refuses_new_connections_counts_them_and_recovers_when_entries_expire()
    {
        var table = new ConnectionTable(8);
        Assert.Equal(8, table.Capacity);
        for (ushort i = 0; i < 8; i++)
        {
            Assert.Equal(TrackResult.Tracked, table.Track(Tcp((ushort)(40000 + i)), Syn, true, 0, s_admitted));
        }

        Assert.Equal(TrackResult.Full, table.Track(Tcp(41000), Syn, true, 1, s_admitted));
        Assert.Equal(TrackResult.Full, table.Track(Tcp(41001), Syn, true, 2, s_admitted));
        Assert.Equal(2, table.DroppedFull);
        Assert.Equal(8, table.Count);

        // Existing connections still work when full.
        Assert.Equal(ConntrackResult.Reply, table.Update(Reverse(Tcp(40003)), SynAck, 3, out _));

        // After the SYN_SENT timeout a full shard sweeps itself on the next new connection.
        Assert.Equal(TrackResult.Tracked, table.Track(Tcp(41002), Syn, true, 130_000, s_admitted));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Removal_keeps_every_other_entry_reachable()
    {
        // Many entries, expiring at different times, removed by a sweep: the backward shift must not lose any.
        var table = new ConnectionTable(4096);
        var alive = new List<FlowKey>();
        for (int i = 0; i < 3000; i++)
        {
            var flow = FlowKey.Create(IPAddress.Parse($"198.19.{i % 7}.{i % 251}"), IPAddress.Parse("198.18.0.9"), IpProtocol.Udp, (ushort)(1024 + i), 53);
            long at = i % 2 == 0 ? 0 : 20_000;
            Assert.Equal(TrackResult.Tracked, table.Track(flow, TcpFlags.None, true, at, s_admitted));
            if (i % 2 == 1)
            {
                alive.Add(flow);
            }
        }

        Assert.Equal(1500, table.Expire(30_000));
        Assert.Equal(1500, table.Count);
        foreach (FlowKey flow in alive)
        {
            Assert.True(table.TryGet(Reverse(flow), 30_000, out _));
        }
    }

    [Fact]
    public void Entries_carry_what_admitted_them()
    {
        PolicySnapshot policy = Scenario.Compile("p = x509{name=\"*.example.com\"};\nallow ssh(p, *);");
        PeerGrant grant = policy.AuthorizePeer(new PeerIdentity { CommonName = "a.example.com" });
        var table = new ConnectionTable(64);
        FlowKey flow = Tcp();
        table.Track(flow, Syn, false, 0, new ConnectionAdmission(7, 3, OutboundAction.Protect, 0xC0FFEE, grant, "/usr/sbin/sshd"));
        Assert.Equal(ConntrackResult.Reply, table.Update(Reverse(flow), SynAck, 1, out ConnectionInfo info));
        Assert.Equal((7L, 0xC0FFEEu, false), (info.PolicyVersion, info.Spi, info.LocallyInitiated));
        Assert.Same(grant, info.Grant);
        Assert.Equal("/usr/sbin/sshd", info.Admission.LocalProgram);
        Assert.Equal(OutboundAction.Protect, info.Admission.Action);
    }

    [Fact]
    public void Lookups_allocate_nothing()
    {
        var table = new ConnectionTable(1 << 16);
        FlowKey flow = Tcp();
        table.Track(flow, Syn, true, 0, s_admitted);
        table.Update(Reverse(flow), SynAck, 0, out _);
        table.Update(flow, Ack, 0, out _);
        FlowKey miss = Tcp(40001);
        long now = 0;
        NoAllocation.Assert(count =>
        {
            int passed = 0;
            for (int i = 0; i < count; i++)
            {
                now++;
                passed += table.Update(i % 2 == 0 ? flow : Reverse(flow), Ack, now, out _) != ConntrackResult.Invalid ? 1 : 0;
                passed += table.Update(miss, Ack, now, out _) == ConntrackResult.New ? 1 : 0;
            }

            return passed;
        });
    }

    [Fact]
    public void Two_threads_tracking_and_updating_at_once_lose_nothing()
    {
        var table = new ConnectionTable(1 << 14);
        int failures = 0;
        void Work(int thread)
        {
            for (int i = 0; i < 4000; i++)
            {
                FlowKey f = Tcp((ushort)(10000 + i), (ushort)(80 + thread));
                if (table.Track(f, Syn, true, 0, s_admitted) != TrackResult.Tracked
                    || table.Update(Reverse(f), SynAck, 0, out _) != ConntrackResult.Reply)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }

        Thread a = new(() => Work(0)), b = new(() => Work(1));
        a.Start();
        b.Start();
        a.Join();
        b.Join();
        Assert.Equal(0, failures);
        Assert.Equal(8000, table.Count);
    }
}
