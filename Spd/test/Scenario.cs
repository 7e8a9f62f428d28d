using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Tests;

/// <summary>
/// Plays one connection through a compiled policy the way the distributed firewall does: the initiator, if it takes
/// part (has a certificate), judges it outbound; the responder, if it takes part, judges it inbound. Between two
/// participants the packet travels on an SA, so each side knows the other's grant; with an outsider it is in clear.
/// </summary>
internal static class Scenario
{
    public static PolicySnapshot Compile(string source)
    {
        CompileResult result = PolicyCompiler.Compile(source, "test.pol");
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics.Select(d => d.Format())));
        return result.Snapshot!;
    }

    public static (bool Allowed, Verdict? Outbound, Verdict? Inbound) Connect(
        PolicySnapshot policy, string service, TestHost from, TestHost to)
    {
        Assert.True(ServiceTable.TryResolve(service, out ServicePort[] ports, out _), service);
        ServicePort p = ports[0];
        var flow = FlowKey.Create(from.Address, to.Address, p.Protocol, 40000, p.FirstPort);
        bool secured = from.Identity is not null && to.Identity is not null;
        Verdict? outbound = null, inbound = null;
        if (from.Identity is not null)
        {
            PolicySnapshot local = policy.Specialize(from.Identity, [from.Address]);
            PeerGrant? peer = secured ? local.AuthorizePeer(to.Identity!) : null;
            outbound = local.DecideOutbound(flow, peer);
        }

        if (to.Identity is not null)
        {
            PolicySnapshot local = policy.Specialize(to.Identity, [to.Address]);
            PeerGrant? peer = secured ? local.AuthorizePeer(from.Identity!) : null;
            inbound = local.DecideInbound(flow, peer);
        }

        bool allowed = (outbound?.IsAllowed ?? true) && (inbound?.IsAllowed ?? true);
        return (allowed, outbound, inbound);
    }
}
