using System.Net;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Cli;

/// <summary>
/// <c>ipsecfw policy explain</c>: plays one flow at one host, as the data path would judge it, and says which rule
/// decides and why each earlier rule for the same service did not.
/// </summary>
internal static class PolicyExplainer
{
    public static (Verdict Verdict, IReadOnlyList<string> Lines) Explain(
        PolicySnapshot policy, string[] sourceLines, FlowSpec flow, bool inbound, PeerIdentity? self, PeerIdentity? peer)
    {
        IPAddress selfAddress = inbound ? flow.Destination : flow.Source;
        IPAddress peerAddress = inbound ? flow.Source : flow.Destination;
        PolicySnapshot local = policy.Specialize(self, [selfAddress]);
        PeerGrant? peerGrant = peer is null ? null : policy.AuthorizePeer(peer);
        PeerGrant? selfGrant = self is null ? null : policy.AuthorizePeer(self);
        FlowKey key = flow.Key;
        Verdict verdict = inbound ? local.DecideInbound(key, peerGrant) : local.DecideOutbound(key, peerGrant);

        var lines = new List<string>
        {
            $"{(inbound ? "inbound" : "outbound")} {flow}, judged at {Name(self)} ({selfAddress}); the peer is {Name(peer)} ({peerAddress})",
            $"  this host is in: {Groups(policy, selfGrant, IpAddressCodec.FromIPAddress(selfAddress))}",
            peer is null
                ? $"  the peer is not authenticated (traffic in clear): only address groups and * can hold it; by address it is in: {Groups(policy, null, IpAddressCodec.FromIPAddress(peerAddress))}"
                : $"  the peer is in: {Groups(policy, peerGrant, IpAddressCodec.FromIPAddress(peerAddress))}",
        };

        UInt128 selfValue = IpAddressCodec.FromIPAddress(selfAddress);
        UInt128 peerValue = IpAddressCodec.FromIPAddress(peerAddress);
        foreach (CompiledRule rule in policy.Rules)
        {
            if (!rule.MatchesService(key.Protocol, key.DestinationPort))
            {
                continue;
            }

            int localSide = inbound ? rule.Destination : rule.Source;
            int remoteSide = inbound ? rule.Source : rule.Destination;
            string text = Line(sourceLines, rule.Line);
            if (!verdict.IsDefault && rule.Index == verdict.RuleIndex)
            {
                lines.Add($"  line {rule.Line}: {text}");
                lines.Add($"    DECIDES: {Action(verdict)}: the service matches, this host is in {Side(policy, localSide)} and the peer in {Side(policy, remoteSide)}");
                break;
            }

            string why = localSide < 0
                ? "its local side is *, which means any peer and never the enforcing host"
                : !In(policy, localSide, selfGrant, selfValue)
                    ? $"this host is not in {Side(policy, localSide)}"
                    : remoteSide >= 0 && !In(policy, remoteSide, peerGrant, peerValue)
                        ? $"the peer is not in {Side(policy, remoteSide)}"
                        : rule.Process is not null
                            ? $"it is restricted to the program {rule.Process}"
                            : "it does not apply here";
            lines.Add($"  line {rule.Line}: {text}");
            lines.Add($"    skipped: {why}");
        }

        if (verdict.IsDefault)
        {
            lines.Add($"  no rule decides: the default deny does ({Action(verdict)})");
        }

        lines.Add($"verdict: {Action(verdict)}");
        return (verdict, lines);
    }

    private static bool In(PolicySnapshot policy, int group, PeerGrant? grant, UInt128 address) =>
        (grant?.Contains(group) ?? false) || policy.Groups[group].Addresses.Contains(address);

    private static string Groups(PolicySnapshot policy, PeerGrant? grant, UInt128 address)
    {
        string[] names = [.. policy.Groups.Where(g => In(policy, g.Index, grant, address)).Select(g => g.Name)];
        return names.Length == 0 ? "no group" : string.Join(", ", names);
    }

    private static string Side(PolicySnapshot policy, int group) => group < 0 ? "*" : policy.Groups[group].Name;

    private static string Action(Verdict v) =>
        v.IsAllowed ? "allow" : v.Response.ToString().ToLowerInvariant();

    private static string Name(PeerIdentity? identity) => identity?.CommonName ?? identity?.SubjectDn ?? "a host without a certificate";

    private static string Line(string[] lines, int line) => line >= 1 && line <= lines.Length ? lines[line - 1].Trim() : "?";
}
