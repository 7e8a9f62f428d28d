using System.Net;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Language;

/// <summary>
/// Compiles a policy and evaluates its <c>expect</c> lines, so a policy cannot ship while breaking what it promises.
/// Each expect line is played as a connection the way the distributed firewall decides it: the initiator, if it has a
/// certificate name, judges it outbound; the responder, if it has one, judges it inbound; the connection is allowed
/// when neither refuses. A host named in an expect line gets a certificate whose CN and DNS SAN are that name and
/// whose notBefore is <c>certificateDate</c>; a host without an address gets <c>::</c>. Thread-safe.
/// </summary>
public static class PolicyChecker
{
    /// <summary>The compile diagnostics followed by one error for every failing expect line, sorted by position.</summary>
    public static IReadOnlyList<Diagnostic> Check(string source, string file, DateTimeOffset certificateDate)
    {
        CompileResult result = PolicyCompiler.Compile(source, file);
        if (result.Snapshot is not { } policy)
        {
            return result.Diagnostics;
        }

        var bag = new DiagnosticBag(file, source);
        foreach (ExpectStatement e in result.Document.Expectations)
        {
            ServiceTable.TryResolve(e.Service.Name!, out ServicePort[] ports, out _);
            foreach (ServicePort port in ports)
            {
                (bool allowed, string why) = Play(policy, port, e.Source, e.Destination, certificateDate);
                if (allowed != (e.Expected == RuleAction.Allow))
                {
                    bag.Error(e.Span, $"expectation failed: {e.Service.Name} from {Describe(e.Source)} to " +
                        $"{Describe(e.Destination)} is {(allowed ? "allowed" : "denied")} ({why})");
                    break;
                }
            }
        }

        return [.. result.Diagnostics.Concat(bag.Items).OrderBy(d => d.Line).ThenBy(d => d.Column)];
    }

    private static (bool Allowed, string Why) Play(PolicySnapshot policy, ServicePort port, ExpectEndpoint from,
        ExpectEndpoint to, DateTimeOffset date)
    {
        (PeerIdentity? fromId, IPAddress fromAddress) = Host(from, date);
        (PeerIdentity? toId, IPAddress toAddress) = Host(to, date);
        byte protocol = port.AnyProtocol ? IpProtocol.Tcp : port.Protocol;
        var flow = FlowKey.Create(fromAddress, toAddress, protocol, 49152, port.FirstPort);
        bool secured = fromId is not null && toId is not null;
        if (fromId is not null)
        {
            PolicySnapshot local = policy.Specialize(fromId, [fromAddress]);
            Verdict v = local.DecideOutbound(flow, secured ? local.AuthorizePeer(toId!) : null);
            if (!v.IsAllowed)
            {
                return (false, $"the initiator refuses it: {Reason(v)}");
            }
        }

        if (toId is not null)
        {
            PolicySnapshot local = policy.Specialize(toId, [toAddress]);
            Verdict v = local.DecideInbound(flow, secured ? local.AuthorizePeer(fromId!) : null);
            return (v.IsAllowed, $"the responder decides by {Reason(v)}");
        }

        return (true, fromId is null ? "neither host enforces the policy" : "the initiator allows it and the responder enforces nothing");
    }

    private static string Reason(Verdict v) => v.IsDefault ? "the default deny" : $"the rule on line {v.Line}";

    private static (PeerIdentity? Identity, IPAddress Address) Host(ExpectEndpoint e, DateTimeOffset date)
    {
        IPAddress address = e.Address is { } a && IpAddressCodec.TryParseAny(a, out UInt128 v)
            ? IpAddressCodec.ToIPAddress(v)
            : IPAddress.IPv6Any;
        PeerIdentity? identity = e.Identity is { } name
            ? new PeerIdentity { SubjectDn = "CN=" + name, CommonName = name, DnsNames = [name], NotBefore = date, NotAfter = date.AddYears(1) }
            : null;
        return (identity, address);
    }

    private static string Describe(ExpectEndpoint e) => (e.Identity, e.Address) switch
    {
        (null, null) => "*",
        ({ } n, null) => n,
        (null, { } a) => a,
        ({ } n, { } a) => n + "@" + a,
    };
}
