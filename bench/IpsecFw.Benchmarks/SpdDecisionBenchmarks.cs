using BenchmarkDotNet.Attributes;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Benchmarks;

/// <summary>
/// The policy decision for the first packet of a new flow (no conntrack entry): <see cref="PolicySnapshot.DecideInbound"/>
/// on a specialised snapshot of <see cref="RuleCount"/> rules, for a flow that only the last rule in file order allows.
/// With <see cref="RuleShape.DistinctPorts"/> the protocol/port index leaves one candidate; with
/// <see cref="RuleShape.SamePort"/> every rule is a candidate of the port index, and the index by remote side
/// (<c>RemoteRuleIndex</c>: the rules whose source addresses hold the peer) leaves one.
/// </summary>
[MemoryDiagnoser]
public class SpdDecisionBenchmarks
{
    private PolicySnapshot _policy = null!;
    private FlowKey _flow;

    [Params(10, 1_000, 10_000, 100_000)]
    public int RuleCount { get; set; }

    [Params(RuleShape.DistinctPorts, RuleShape.SamePort)]
    public RuleShape Shape { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _policy = SpdFixtures.Compile(SpdFixtures.Source(RuleCount, Shape)).Specialize(SpdFixtures.SelfIdentity, [SpdFixtures.Self]);
        ushort port = Shape == RuleShape.DistinctPorts ? SpdFixtures.DistinctPort(RuleCount - 1) : (ushort)443;
        _flow = FlowKey.Create(SpdFixtures.PeerAddress(RuleCount - 1), SpdFixtures.Self, IpProtocol.Tcp, 40000, port);
        Verdict v = _policy.DecideInbound(_flow, null);
        Fixtures.Check(v.IsAllowed && v.RuleIndex == RuleCount - 1, "the flow is allowed by the last rule");
    }

    [Benchmark]
    public Verdict NewFlowDecision() => _policy.DecideInbound(_flow, null);
}
