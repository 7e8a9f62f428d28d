using System.Net;
using CsCheck;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Tests.Properties;

/// <summary>
/// Random policies and random connections: the compiled, indexed, specialised snapshot must pick the same rule as a
/// naive evaluator that walks the generated model (not the compiled groups) rule by rule, in file order.
/// </summary>
public sealed class SnapshotAgreesWithNaiveEvaluator
{
    // A group is an address range within 198.19.0.0-198.19.0.9 (Pattern null) or a certificate-name pattern.
    private sealed record GroupModel(string? Pattern, int Lo, int Hi);

    private sealed record RuleModel(bool Allow, int Service, int Src, int Dst);

    private sealed record Host(int Octet, string? Name);

    private static readonly (string Text, Func<byte, ushort, bool> Matches)[] s_services =
    [
        ("tcp/22", (p, d) => p == 6 && d == 22),
        ("smtp", (p, d) => p == 6 && d == 25),
        ("tcp/20-30", (p, d) => p == 6 && d is >= 20 and <= 30),
        ("domain", (p, d) => p is 6 or 17 && d == 53),
        ("udp", (p, _) => p == 17),
        ("icmp", (p, _) => p == 1),
        ("*", (_, _) => true),
    ];

    // Every port at or next to a boundary of the services above, for TCP and UDP, plus ICMP and GRE.
    private static readonly (byte Protocol, ushort Port)[] s_flows =
    [
        .. new ushort[] { 1, 19, 20, 21, 22, 23, 24, 25, 26, 29, 30, 31, 52, 53, 54, 999, 65535 }
            .SelectMany(port => new (byte, ushort)[] { (6, port), (17, port) }),
        (1, 0), (47, 0),
    ];

    private static readonly string[] s_patterns = ["*.a.test", "*.b.test", "h1.a.test", "*"];

    private static readonly Host[] s_hosts =
        [new(1, "h1.a.test"), new(2, "h2.a.test"), new(3, "h3.b.test"), new(4, "h4.b.test"), new(5, null), new(9, null)];

    private static readonly Gen<GroupModel> s_group = Gen.OneOf(
        Gen.Int[0, s_patterns.Length - 1].Select(i => new GroupModel(s_patterns[i], 0, 0)),
        Gen.Select(Gen.Int[0, 9], Gen.Int[0, 9], (a, b) => new GroupModel(null, Math.Min(a, b), Math.Max(a, b))));

    private static readonly Gen<(GroupModel[] Groups, RuleModel[] Rules)> s_policy = Policies(1, 5, 1, 12);

    // Long enough that many protocol/port segments hold RemoteRuleIndex.MinimumCandidates rules or more, so the
    // decisions go through the index by remote side (RemoteRuleIndex) rather than the plain walk.
    private static readonly Gen<(GroupModel[] Groups, RuleModel[] Rules)> s_longPolicy = Policies(1, 10, 16, 70);

    private static Gen<(GroupModel[] Groups, RuleModel[] Rules)> Policies(int minGroups, int maxGroups, int minRules, int maxRules) =>
        s_group.Array[minGroups, maxGroups].SelectMany(groups => Gen.Select(Gen.Bool, Gen.Int[0, s_services.Length - 1],
                Gen.Int[-1, groups.Length - 1], Gen.Int[-1, groups.Length - 1],
                (allow, service, src, dst) => new RuleModel(allow, service, src, dst))
            .Array[minRules, maxRules].Select(rules => (groups, rules)));

    [Fact]
    public void Compiled_decisions_match_the_naive_evaluator() => Check(s_policy, 5000);

    [Fact]
    public void Compiled_decisions_on_long_policies_match_the_naive_evaluator() => Check(s_longPolicy, 2000);

    [Fact]
    public void Outbound_actions_match_the_naive_evaluator()
    {
        Gen.Select(Gen.OneOf(s_policy, s_longPolicy), Gen.Int[0, s_hosts.Length - 1], Gen.Int[0, s_hosts.Length - 1],
                Gen.Int[0, s_flows.Length - 1])
            .Sample(t =>
            {
                ((GroupModel[] groups, RuleModel[] rules), int from, int to, int flowIndex) = t;
                PolicySnapshot policy = Compile(groups, rules);
                Host a = s_hosts[from], b = s_hosts[to];
                (byte protocol, ushort port) = s_flows[flowIndex];
                var flow = FlowKey.Create(Address(a), Address(b), protocol, 40000, port);
                OutboundDecision d = policy.Specialize(Identity(a), [Address(a)]).DecideOutboundAction(flow);
                (OutboundAction action, int rule) = NaiveOutboundAction(groups, rules, protocol, port, a, b);
                Assert.Equal(action, d.Action);
                Assert.Equal(rule, d.Verdict.RuleIndex);
            }, iter: 3000);
    }

    [Fact]
    public void Shadowing_warnings_match_a_naive_pairwise_check()
    {
        Gen.OneOf(s_policy, s_longPolicy).Sample(p =>
        {
            (GroupModel[] groups, RuleModel[] rules) = p;
            CompileResult result = Compile(groups, rules, out _);
            // Rule i is on line groups.Length + i + 1; a warning cites the first earlier rule that covers it.
            var expected = new List<string>();
            for (int j = 1; j < rules.Length; j++)
            {
                for (int i = 0; i < j; i++)
                {
                    if (Covers(groups, rules[i], rules[j]))
                    {
                        expected.Add($"{groups.Length + j + 1}: line {groups.Length + i + 1}");
                        break;
                    }
                }
            }

            var actual = result.Warnings.Where(d => d.Message.StartsWith("rule can never match", StringComparison.Ordinal))
                .Select(d => $"{d.Line}: line {d.Message.Split("the rule on line ")[1].Split(' ')[0]}").ToList();
            Assert.Equal(expected, actual);
        }, iter: 3000);
    }

    // PolicyBinder.Covers on the model: the service covers (checked on every boundary flow), and each side is *, the
    // same group, or an address range holding the later one's.
    private static bool Covers(GroupModel[] groups, RuleModel earlier, RuleModel later) =>
        s_flows.All(f => !s_services[later.Service].Matches(f.Protocol, f.Port) || s_services[earlier.Service].Matches(f.Protocol, f.Port))
        && SideCovers(groups, earlier.Src, later.Src) && SideCovers(groups, earlier.Dst, later.Dst);

    private static bool SideCovers(GroupModel[] groups, int outer, int inner) =>
        outer < 0 || outer == inner
        || (inner >= 0 && groups[outer].Pattern is null && groups[inner].Pattern is null
            && groups[outer].Lo <= groups[inner].Lo && groups[inner].Hi <= groups[outer].Hi);

    private static void Check(Gen<(GroupModel[] Groups, RuleModel[] Rules)> policies, int iterations)
    {
        Gen.Select(policies, Gen.Int[0, s_hosts.Length - 1], Gen.Int[0, s_hosts.Length - 1], Gen.Int[0, s_flows.Length - 1])
            .Sample(t =>
            {
                ((GroupModel[] groups, RuleModel[] rules), int from, int to, int flowIndex) = t;
                PolicySnapshot policy = Compile(groups, rules);
                Host a = s_hosts[from], b = s_hosts[to];
                (byte protocol, ushort port) = s_flows[flowIndex];
                var flow = FlowKey.Create(Address(a), Address(b), protocol, 40000, port);
                bool secured = a.Name is not null && b.Name is not null;

                PolicySnapshot atA = policy.Specialize(Identity(a), [Address(a)]);
                int outbound = atA.DecideOutbound(flow, secured ? atA.AuthorizePeer(Identity(b)!) : null).RuleIndex;
                PolicySnapshot atB = policy.Specialize(Identity(b), [Address(b)]);
                int inbound = atB.DecideInbound(flow, secured ? atB.AuthorizePeer(Identity(a)!) : null).RuleIndex;

                Assert.Equal(Naive(groups, rules, protocol, port, local: a, remote: b, secured, outbound: true), outbound);
                Assert.Equal(Naive(groups, rules, protocol, port, local: b, remote: a, secured, outbound: false), inbound);
            }, iter: iterations);
    }

    // RFC 4301 5.1 as PolicySnapshot.DecideOutboundAction documents it: the first rule whose local side holds the
    // sender and whose remote side is *, an address group holding the destination (allow: BYPASS, deny: DISCARD),
    // or, for an allow rule, an x509 group (PROTECT); deny rules on x509 groups are passed over.
    private static (OutboundAction Action, int Rule) NaiveOutboundAction(GroupModel[] groups, RuleModel[] rules,
        byte protocol, ushort port, Host local, Host remote)
    {
        for (int i = 0; i < rules.Length; i++)
        {
            RuleModel r = rules[i];
            if (!s_services[r.Service].Matches(protocol, port) || r.Src < 0 || !In(groups[r.Src], local, useIdentity: true))
            {
                continue;
            }

            if (r.Dst < 0 || (groups[r.Dst].Pattern is null && In(groups[r.Dst], remote, useIdentity: false)))
            {
                return (r.Allow ? OutboundAction.Bypass : OutboundAction.Discard, i);
            }

            if (r.Allow && groups[r.Dst].Pattern is not null)
            {
                return (OutboundAction.Protect, i);
            }
        }

        return (OutboundAction.Discard, -1);
    }

    private static int Naive(GroupModel[] groups, RuleModel[] rules, byte protocol, ushort port, Host local, Host remote,
        bool secured, bool outbound)
    {
        for (int i = 0; i < rules.Length; i++)
        {
            RuleModel r = rules[i];
            int localGroup = outbound ? r.Src : r.Dst, remoteGroup = outbound ? r.Dst : r.Src;
            if (s_services[r.Service].Matches(protocol, port)
                && localGroup >= 0 && In(groups[localGroup], local, useIdentity: true)
                && (remoteGroup < 0 || In(groups[remoteGroup], remote, useIdentity: secured)))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool In(GroupModel g, Host h, bool useIdentity) => g.Pattern switch
    {
        null => h.Octet >= g.Lo && h.Octet <= g.Hi,
        "*" => useIdentity && h.Name is not null,
        var p when p.StartsWith('*') => useIdentity && h.Name is not null && h.Name.EndsWith(p[1..], StringComparison.Ordinal),
        var p => useIdentity && h.Name == p,
    };

    private static PolicySnapshot Compile(GroupModel[] groups, RuleModel[] rules) => Compile(groups, rules, out _).Snapshot!;

    private static CompileResult Compile(GroupModel[] groups, RuleModel[] rules, out string source)
    {
        var lines = groups.Select((g, i) => g.Pattern is { } p
            ? $"g{i} = x509{{name=\"{p}\"}};"
            : $"g{i} = IPv4{{10.0.0.{g.Lo}-10.0.0.{g.Hi}}};");
        lines = lines.Concat(rules.Select(r =>
            $"{(r.Allow ? "allow" : "deny")} {s_services[r.Service].Text}({End(r.Src)}, {End(r.Dst)});"));
        source = string.Join("\n", lines);
        CompileResult result = PolicyCompiler.Compile(source, "random.pol");
        Assert.True(result.Succeeded, string.Join("\n", result.Errors.Select(d => d.Format())));
        return result;

        static string End(int g) => g < 0 ? "*" : $"g{g}";
    }

    private static IPAddress Address(Host h) => IPAddress.Parse($"10.0.0.{h.Octet}");

    private static PeerIdentity? Identity(Host h) =>
        h.Name is null ? null : new PeerIdentity { CommonName = h.Name, SubjectDn = "CN=" + h.Name, DnsNames = [h.Name] };
}
