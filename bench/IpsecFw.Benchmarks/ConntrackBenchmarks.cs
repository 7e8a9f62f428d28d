using System.Net;
using BenchmarkDotNet.Attributes;
using IpsecFw.Spd.Packets;
using IpsecFw.Spd.Runtime;
using IpsecFw.Spd.State;

namespace IpsecFw.Benchmarks;

/// <summary>
/// Connection tracking per packet (<see cref="ConnectionTable.Update"/>), in a table holding <see cref="Flows"/>
/// established TCP connections: <see cref="EstablishedFlow"/> is the per-packet cost of a packet of a live connection
/// (the flow-cache hit: its verdict needs no policy decision), alternating directions; <see cref="UnknownFlow"/> is
/// the look-up that finds nothing (a new flow, before its policy decision).
/// </summary>
[MemoryDiagnoser]
public class ConntrackBenchmarks
{
    private ConnectionTable _table = null!;
    private FlowKey _hit;
    private FlowKey _hitReply;
    private FlowKey _miss;
    private long _now;

    [Params(1_000, 100_000)]
    public int Flows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _table = new ConnectionTable(Flows * 2);
        var admitted = new ConnectionAdmission(1, 0, OutboundAction.Bypass, 0, null);
        for (int i = 0; i < Flows; i++)
        {
            var f = FlowKey.Create(SpdFixtures.Self, SpdFixtures.PeerAddress(i % 60_000), IpProtocol.Tcp, (ushort)(10_000 + (i / 60_000)), 443);
            Fixtures.Check(_table.Track(f, TcpFlags.Syn, true, 0, admitted) == TrackResult.Tracked, "tracked");
            _table.Update(Reverse(f), TcpFlags.Syn | TcpFlags.Ack, 0, out _);
            _table.Update(f, TcpFlags.Ack, 0, out _);
            if (i == Flows / 2)
            {
                _hit = f;
            }
        }

        _hitReply = Reverse(_hit);
        _miss = FlowKey.Create(SpdFixtures.Self, IPAddress.Parse("198.19.255.253"), IpProtocol.Tcp, 9, 443);
        Fixtures.Check(_table.Update(_hit, TcpFlags.Ack, 1, out ConnectionInfo info) == ConntrackResult.Original
            && info.State == ConnectionState.TcpEstablished, "the flow is established");
    }

    private static FlowKey Reverse(FlowKey f) => new(f.Destination, f.Source, f.Protocol, f.DestinationPort, f.SourcePort);

    [Benchmark(OperationsPerInvoke = 2)]
    public int EstablishedFlow()
    {
        long now = ++_now;
        return (int)_table.Update(_hit, TcpFlags.Ack, now, out _) + (int)_table.Update(_hitReply, TcpFlags.Ack, now, out _);
    }

    [Benchmark]
    public ConntrackResult UnknownFlow() => _table.Update(_miss, TcpFlags.Syn, _now, out _);
}
