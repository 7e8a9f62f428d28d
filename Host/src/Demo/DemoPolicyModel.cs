using System.Net;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Demo;

/// <summary>
/// What the policy itself says about a connection, computed as the daemons compute it (the snapshot specialised for
/// each host, <see cref="PolicySnapshot.DecideOutbound"/> at the initiator and <see cref="PolicySnapshot.DecideInbound"/>
/// at the responder, the peer's grant only when the connection runs through an SA), as <c>ipsecfw policy explain</c>
/// does. It names the deciding rule: the first side that denies, else the responder's allow rule (the initiator's when
/// the responder enforces nothing). This is the policy's answer, not a counter read from a daemon.
/// </summary>
internal sealed class DemoPolicyModel
{
    private readonly PolicySnapshot _policy;
    private readonly string[] _lines;
    private readonly IReadOnlyDictionary<string, PeerIdentity> _identities;

    /// <summary>Compiles <paramref name="source"/>; <paramref name="identities"/> maps a host's key to its certificate's identity.</summary>
    /// <exception cref="DemoException">The source does not compile.</exception>
    public DemoPolicyModel(string source, string file, IReadOnlyDictionary<string, PeerIdentity> identities)
    {
        CompileResult result = PolicyCompiler.Compile(source, file);
        _policy = result.Snapshot ?? throw new DemoException($"{file} does not compile: " + string.Join("; ", result.Errors.Select(e => e.ToString())));
        _lines = source.Split('\n');
        _identities = identities;
    }

    /// <summary>The groups <paramref name="host"/>'s certificate puts it in (<c>inside_net, mail_gw</c>), or "no group".</summary>
    public string GroupsOf(DemoHost host)
    {
        if (!_identities.TryGetValue(host.Key, out PeerIdentity? identity))
        {
            return "no certificate";
        }

        PeerGrant grant = _policy.AuthorizePeer(identity);
        string[] names = [.. _policy.Groups.Where(g => grant.Contains(g.Index)).Select(g => g.Name)];
        return names.Length == 0 ? "no group" : string.Join(", ", names);
    }

    /// <summary>The policy's verdict on <paramref name="connection"/> and the rule that decides it.</summary>
    public DemoDecision Decide(DemoConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        byte protocol = connection.Service.Udp ? IpProtocol.Udp : IpProtocol.Tcp;
        FlowKey key = FlowKey.Create(connection.Source, connection.Destination, protocol, 40000, (ushort)connection.Service.Port);
        _identities.TryGetValue(connection.From.Key, out PeerIdentity? from);
        _identities.TryGetValue(connection.To.Key, out PeerIdentity? to);
        DemoDecision? allowedOut = null;
        if (from is not null)
        {
            PeerGrant? peer = connection.Tunnel && to is not null ? _policy.AuthorizePeer(to) : null;
            Verdict v = Local(from, connection.From).DecideOutbound(key, peer);
            var decision = new DemoDecision(v.IsAllowed ? DemoVerdict.Allowed : DemoVerdict.Denied,
                $"{connection.From.Key} out: {Describe(v)}", connection.From, Inbound: false, v.RuleIndex);
            if (!v.IsAllowed)
            {
                return decision;
            }

            allowedOut = decision;
        }

        if (to is not null)
        {
            PeerGrant? peer = connection.Tunnel && from is not null ? _policy.AuthorizePeer(from) : null;
            Verdict v = Local(to, connection.To).DecideInbound(key, peer);
            return new DemoDecision(v.IsAllowed ? DemoVerdict.Allowed : DemoVerdict.Denied,
                $"{connection.To.Key} in: {Describe(v)}", connection.To, Inbound: true, v.RuleIndex);
        }

        return allowedOut ?? new DemoDecision(DemoVerdict.Allowed, "nobody enforces", null, Inbound: true, -1);
    }

    private PolicySnapshot Local(PeerIdentity identity, DemoHost host) =>
        _policy.Specialize(identity, host.Overlay is { } overlay ? [host.Underlay, overlay] : [host.Underlay]);

    private string Describe(Verdict verdict)
    {
        if (verdict.IsDefault)
        {
            return "default deny";
        }

        CompiledRule rule = _policy.Rules[verdict.RuleIndex];
        string line = rule.Span.Line >= 1 && rule.Span.Line <= _lines.Length ? _lines[rule.Span.Line - 1] : string.Empty;
        int start = Math.Clamp(rule.Span.Column - 1, 0, line.Length);
        int end = line.IndexOf(';', start);
        string text = (end < 0 ? line[start..] : line[start..(end + 1)]).Trim();
        return $"line {rule.Line} {text}";
    }
}
