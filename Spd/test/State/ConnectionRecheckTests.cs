using System.Net;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Packets;
using IpsecFw.Spd.Runtime;
using IpsecFw.Spd.State;

namespace IpsecFw.Spd.Tests.State;

public sealed class ConnectionRecheckTests
{
    private static readonly PeerIdentity s_self = new() { CommonName = "srv.example.com", DnsNames = ["srv.example.com"] };
    private static readonly PeerIdentity s_peer = new() { CommonName = "a.peer.example" };
    private static readonly IPAddress s_me = IPAddress.Parse("198.19.7.7");

    private static PolicySnapshot Compile(string rules, long version)
    {
        CompileResult r = PolicyCompiler.Compile(
            "me = x509{name=\"srv.example.com\"};\npeers = x509{name=\"*.peer.example\"};\n" + rules, "test.pol", version);
        Assert.True(r.Succeeded, string.Join("\n", r.Diagnostics.Select(d => d.Format())));
        return r.Snapshot!.Specialize(s_self, [s_me]);
    }

    private static FlowKey Tcp(string s, string d, ushort sourcePort, ushort destinationPort) =>
        FlowKey.Create(IPAddress.Parse(s), IPAddress.Parse(d), IpProtocol.Tcp, sourcePort, destinationPort);

    [Fact]
    public void A_reload_cuts_the_flows_the_new_policy_forbids_and_keeps_the_others()
    {
        PolicySnapshot v1 = Compile("allow ssh(me, *);\nallow https(me, *);\nallow smtp(*, me);\nallow imap(peers, me);", 1);
        PolicySnapshot v2 = Compile("allow https(me, *);\nallow imap(peers, me);", 2);
        var table = new ConnectionTable(256);
        FlowKey ssh = Tcp("198.19.7.7", "198.18.0.9", 40000, 22);
        FlowKey https = Tcp("198.19.7.7", "198.18.0.9", 40001, 443);
        FlowKey smtp = Tcp("198.18.0.25", "198.19.7.7", 50000, 25);
        FlowKey imap = Tcp("198.18.0.30", "198.19.7.7", 50001, 143);
        PeerGrant grant1 = v1.AuthorizePeer(s_peer);
        Assert.True(v1.DecideInbound(imap, grant1).IsAllowed);

        table.Track(ssh, TcpFlags.Syn, true, 0, new ConnectionAdmission(1, 0, OutboundAction.Bypass, 0, null));
        table.Track(https, TcpFlags.Syn, true, 0, new ConnectionAdmission(1, 1, OutboundAction.Bypass, 0, null));
        table.Track(smtp, TcpFlags.Syn, false, 0, new ConnectionAdmission(1, 2, OutboundAction.Bypass, 0, null));
        table.Track(imap, TcpFlags.Syn, false, 0, new ConnectionAdmission(1, 3, OutboundAction.Protect, 0x1001, grant1));

        // IKE re-authorises the SA's peer under the new policy and answers by SPI.
        PeerGrant grant2 = v2.AuthorizePeer(s_peer);
        IReadOnlyList<CutConnection> cut = table.Recheck(v2, spi => spi == 0x1001 ? grant2 : null);

        Assert.Equal([ssh, smtp], cut.Select(c => c.Flow).OrderBy(f => f.DestinationPort));
        Assert.All(cut, c => Assert.False(c.Verdict.IsAllowed));
        Assert.True(cut.Single(c => c.Flow == ssh).LocallyInitiated);
        Assert.False(cut.Single(c => c.Flow == smtp).LocallyInitiated);
        Assert.Equal(ConnectionState.TcpSynSent, cut[0].State);

        Assert.False(table.TryGet(ssh, 1, out _));
        Assert.False(table.TryGet(smtp, 1, out _));
        Assert.True(table.TryGet(https, 1, out ConnectionInfo kept));
        Assert.Equal((2L, 0), (kept.PolicyVersion, kept.Admission.RuleIndex));
        Assert.True(table.TryGet(imap, 1, out ConnectionInfo onSa));
        Assert.Same(grant2, onSa.Grant);
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void Without_a_new_grant_a_flow_that_needed_the_peers_identity_is_cut()
    {
        PolicySnapshot v1 = Compile("allow imap(peers, me);", 1);
        PolicySnapshot v2 = Compile("allow imap(peers, me);", 2);
        var table = new ConnectionTable(64);
        FlowKey imap = Tcp("198.18.0.30", "198.19.7.7", 50001, 143);
        table.Track(imap, TcpFlags.Syn, false, 0, new ConnectionAdmission(1, 0, OutboundAction.Protect, 0x1001, v1.AuthorizePeer(s_peer)));

        // The SA is gone (null), or no resolver at all: the old grant means nothing to the new snapshot.
        Assert.Single(table.Recheck(v2, _ => null));
        table.Track(imap, TcpFlags.Syn, false, 0, new ConnectionAdmission(1, 0, OutboundAction.Protect, 0x1001, v1.AuthorizePeer(s_peer)));
        Assert.Single(table.Recheck(v2));
    }

    [Fact]
    public void A_policy_that_still_allows_everything_cuts_nothing_and_expired_entries_go()
    {
        PolicySnapshot v1 = Compile("allow *(me, *);", 1);
        var table = new ConnectionTable(1024);
        for (ushort i = 0; i < 500; i++)
        {
            var flow = FlowKey.Create(s_me, IPAddress.Parse("198.18.0.9"), IpProtocol.Udp, (ushort)(20000 + i), 53);
            table.Track(flow, TcpFlags.None, true, i < 100 ? 0 : 25_000, new ConnectionAdmission(1, 0, OutboundAction.Bypass, 0, null));
        }

        Assert.Empty(table.Recheck(Compile("allow *(me, *);", 2), now: 31_000));
        Assert.Equal(400, table.Count);
        Assert.Empty(table.Recheck(v1));
    }
}
