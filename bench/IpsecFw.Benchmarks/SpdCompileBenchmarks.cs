using BenchmarkDotNet.Attributes;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Benchmarks;

/// <summary>
/// Compiling a policy of 10,000 rules and 10,001 groups from source (lex, parse, bind with the shadowing analysis,
/// index), then specialising it for one host: what a host does when a new policy arrives. Target: under 1 s.
/// </summary>
[MemoryDiagnoser]
public class SpdCompileBenchmarks
{
    private string _source = string.Empty;

    [Params(10_000)]
    public int RuleCount { get; set; }

    [GlobalSetup]
    public void Setup() => _source = SpdFixtures.Source(RuleCount, RuleShape.DistinctPorts);

    [Benchmark]
    public PolicySnapshot CompileAndSpecialize() =>
        PolicyCompiler.Compile(_source, "bench.pol").Snapshot!.Specialize(SpdFixtures.SelfIdentity, [SpdFixtures.Self]);
}
