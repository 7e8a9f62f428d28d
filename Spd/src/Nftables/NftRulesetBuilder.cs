using System.Globalization;
using System.Text;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Nftables;

/// <summary>
/// The kernel's half of the policy: an nftables ruleset (one <c>inet</c> table) that judges the traffic that never
/// enters the daemon, the traffic in clear, by the same compiled policy the daemon's SPD applies to its tunnel.
/// <para>
/// Each of the two chains, <c>input</c> (hook input, policy drop) and <c>output</c> (hook output, policy drop), holds in
/// this order: loopback; <c>ct state established,related</c>; <c>ct state invalid</c> dropped; the TUN device (the
/// daemon's SPD judges every tunnelled packet); IKE and NAT-T (the daemon's own sockets); IPv6 neighbour discovery and
/// MLD (RFC 4890 4.4.1) and the ICMP/ICMPv6 errors path MTU discovery and diagnostics need (RFC 4890 4.3.1; RFC 1191
/// for IPv4); then the policy's rules that can match traffic in clear, in file order (first match wins, as in the
/// SPD), each new connection only and counted; last the policy's default deny, logged (rate-limited) and counted.
/// With <see cref="NftOptions.EventGroup"/>, each deny rule and the default deny are preceded by a rule that sends the
/// packet to that NFLOG group (prefix <see cref="NftLogPrefix"/>, behind one shared <c>limit</c>), for the daemon's
/// intrusion-detection events.
/// </para>
/// <para>
/// Inbound, a packet in clear has no grant (<see cref="PolicySnapshot.DecideInbound"/> with a null peer): of the rules
/// this host enforces inbound, those whose source is <c>*</c> or holds addresses can match; an x509 group never does,
/// so those rules are left out and named in a comment line. Outbound follows
/// <see cref="PolicySnapshot.DecideOutboundAction"/>: a rule whose destination is <c>*</c> or an address group decides
/// (allow: BYPASS, accept; deny: DISCARD); a rule whose destination is an x509 group is passed over: allow is PROTECT,
/// which the tunnel carries (routes into the TUN device, accepted above, are what keeps a configured peer's traffic
/// out of the clear), and an x509 group says nothing about addresses, so it cannot refuse anything in clear. Rules restricted to a <c>process</c> are left out in both directions (the kernel
/// ruleset does not know the local program; the SPD, given no program, passes them over too).
/// </para>
/// <para>
/// Nothing from the policy file reaches the text unchecked: addresses and ports are printed from their numeric form,
/// group names and other words in comments are reduced to a safe alphabet, and the options are validated
/// (<see cref="NftOptions.Validate"/>). Pure: no I/O; the host applies the text with <c>nft -f -</c>.
/// </para>
/// </summary>
public static class NftRulesetBuilder
{
    /// <summary>The comment every policy rule's nftables rules carry: <c>ipsecfw rule INDEX line LINE</c>.</summary>
    public const string RuleCommentPrefix = "ipsecfw rule ";

    /// <summary>The comment of the default deny's rules (their counters are the daemon's <c>default_*</c> figures).</summary>
    public const string DefaultComment = "ipsecfw default deny";

    private const string Indent = "\t\t";

    /// <summary>
    /// The ruleset for the host <paramref name="local"/> was specialised for (<see cref="PolicySnapshot.Specialize"/>),
    /// as one <c>nft -f</c> script that creates the table if it is absent (so the next command cannot fail), deletes it and
    /// builds it anew: one transaction, so applying it again (a reload) never leaves a moment without rules. Deleting
    /// rather than flushing also removes chains and sets a table left by a crashed or older daemon may hold (a flush
    /// empties chains but keeps them, hooks and policies included).
    /// </summary>
    /// <exception cref="ArgumentException">The snapshot is not specialised, or an option cannot be written safely.</exception>
    public static string Build(PolicySnapshot local, NftOptions options)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(options);
        if (!local.IsSpecialized)
        {
            throw new ArgumentException("the snapshot must be specialised for this host (PolicySnapshot.Specialize)", nameof(local));
        }

        if (options.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(options));
        }

        var w = new StringBuilder();
        string table = "inet " + options.Table;
        w.Append("# ipsecfw: the policy for traffic in clear (policy version ")
            .Append(local.Version.ToString(CultureInfo.InvariantCulture)).Append("). Generated; edit the policy, not this.\n");
        w.Append("# Rules this host enforces inbound: ").Append(List(local, local.InboundRules))
            .Append("; outbound: ").Append(List(local, local.OutboundRules)).Append(".\n");
        w.Append("add table ").Append(table).Append('\n');
        w.Append("delete table ").Append(table).Append('\n');
        w.Append("table ").Append(table).Append(" {\n");
        if (options.EventGroup is not null)
        {
            // One bucket for every NFLOG rule of both chains: a flood of denied packets cannot swamp the daemon.
            w.Append('\t').Append("limit ").Append(NftOptions.EventLimitName).Append(string.Create(CultureInfo.InvariantCulture,
                $" {{ rate {options.EventRate}/second burst {2 * options.EventRate} packets }}\n\n"));
        }

        Chain(w, local, options, inbound: true);
        w.Append('\n');
        Chain(w, local, options, inbound: false);
        w.Append("}\n");
        return w.ToString();
    }

    private static void Chain(StringBuilder w, PolicySnapshot local, NftOptions options, bool inbound)
    {
        string iface = inbound ? "iifname" : "oifname";
        w.Append("\tchain ").Append(inbound ? "input" : "output").Append(" {\n");
        w.Append(Indent).Append("type filter hook ").Append(inbound ? "input" : "output").Append(" priority filter; policy drop;\n");
        Rule(w, $"{iface} \"lo\" accept", "ipsecfw loopback");
        Rule(w, "ct state established,related accept", "ipsecfw established or related");
        Rule(w, "ct state invalid drop", "ipsecfw invalid state");
        if (options.TunDevice is { } tun)
        {
            Rule(w, $"{iface} \"{tun}\" accept", "ipsecfw tunnel: the daemon judges each packet");
        }
        else
        {
            w.Append(Indent).Append("# no TUN device: nothing is tunnelled\n");
        }

        string port = inbound ? "dport" : "sport";
        Rule(w, string.Create(CultureInfo.InvariantCulture, $"udp {port} {{ {options.IkePort}, {options.NatPort} }} accept"), "ipsecfw IKE and NAT-T");
        if (options.RawEsp)
        {
            Rule(w, "meta l4proto 50 accept", "ipsecfw raw ESP (IP protocol 50)");
        }

        // RFC 4890 4.4.1: neighbour discovery (hop limit 255, RFC 4861 7.1) and MLD (hop limit 1, RFC 3810 5) must pass
        // on the link, or IPv6 stops working. Redirects are left out (RFC 4890 4.4.4 allows dropping them).
        Rule(w, "icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept",
            "ipsecfw IPv6 neighbour discovery (RFC 4890 4.4.1)");
        Rule(w, "icmpv6 type { mld-listener-query, mld-listener-report, mld-listener-done, mld2-listener-report } ip6 hoplimit 1 accept",
            "ipsecfw MLD (RFC 4890 4.4.1)");

        // RFC 4890 4.3.1: errors that must not be dropped (packet too big is path MTU discovery, RFC 8201). For IPv4,
        // destination unreachable carries "fragmentation needed" (RFC 1191). Errors about tracked connections already
        // passed as related; these also let through errors about flows conntrack has not seen.
        Rule(w, "icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept",
            "ipsecfw ICMPv6 errors (RFC 4890 4.3.1)");
        Rule(w, "icmp type { destination-unreachable, time-exceeded, parameter-problem } accept", "ipsecfw ICMP errors (RFC 1191)");

        w.Append(Indent).Append("# the policy, in file order: new connections in clear\n");
        foreach (int i in inbound ? local.InboundRules : local.OutboundRules)
        {
            PolicyRule(w, local, local.Rules[i], inbound, options);
        }

        Default(w, local.DefaultVerdict.Response, options);
        w.Append("\t}\n");
    }

    private static void PolicyRule(StringBuilder w, PolicySnapshot local, CompiledRule rule, bool inbound, NftOptions options)
    {
        string id = string.Create(CultureInfo.InvariantCulture, $"rule {rule.Index} (line {rule.Line})");
        if (rule.Process is not null)
        {
            w.Append(Indent).Append("# ").Append(id).Append(" left out: it is restricted to a program (")
                .Append(Safe(rule.Process, 64)).Append("), which the kernel ruleset does not know\n");
            return;
        }

        int localGroup = inbound ? rule.Destination : rule.Source;
        int remoteGroup = inbound ? rule.Source : rule.Destination;
        AddressMatch localSide = local.IdentityHolds(localGroup) ? AddressMatch.Any : AddressMatch.From(local.Groups[localGroup].Addresses);
        string comment = string.Create(CultureInfo.InvariantCulture, $"{RuleCommentPrefix}{rule.Index} line {rule.Line}");
        string log = rule.Verdict.Log
            ? $"log prefix \"{NftLogPrefix.ForRule(rule.Index, rule.Line)}\" "
            : string.Empty;
        string? events = rule.Action == RuleAction.Deny ? EventLog(options, NftLogPrefix.ForRule(rule.Index, rule.Line)) : null;
        if (remoteGroup < 0)
        {
            Emit(w, rule, localSide, AddressMatch.Any, inbound, log, events, Action(rule), comment);
            return;
        }

        CompiledGroup remote = local.Groups[remoteGroup];
        string side = inbound ? "source" : "destination";
        if (!remote.Addresses.IsEmpty)
        {
            Emit(w, rule, localSide, AddressMatch.From(remote.Addresses), inbound, log, events, Action(rule), comment);
        }

        if (remote.Identities.Count == 0)
        {
            return;
        }

        if (inbound || rule.Action == RuleAction.Deny)
        {
            w.Append(Indent).Append("# ").Append(id).Append(remote.Addresses.IsEmpty ? " left out" : " (its certificate part) left out")
                .Append(": its ").Append(side).Append(' ').Append(Safe(remote.Name, 32))
                .Append(" is an x509 group, which traffic in clear never matches\n");
            return;
        }

        // PROTECT (RFC 4301 5.1) towards an x509 group: a set of identities, not of addresses. What goes to a peer that
        // can prove such an identity is routed into the TUN device (accepted above) and protected there; what reaches
        // this chain goes to an address no SA or configured peer covers, and the rules after this one decide it (in
        // Figure 1 the mail gateway's own SMTP to the Internet is line 8's, not line 6's).
        w.Append(Indent).Append("# ").Append(id).Append(": PROTECT towards the x509 group ").Append(Safe(remote.Name, 32))
            .Append(": carried by the tunnel; in clear it never matches\n");
    }

    private static void Emit(StringBuilder w, CompiledRule rule, AddressMatch localSide, AddressMatch remoteSide, bool inbound,
        string log, string? events, (string Tcp, string Other) action, string comment)
    {
        string localDir = inbound ? "daddr" : "saddr", remoteDir = inbound ? "saddr" : "daddr";
        foreach ((Family family, string addresses) in Families(localSide, localDir, remoteSide, remoteDir))
        {
            foreach (ServicePort service in rule.Service)
            {
                if (ServiceMatch(service, family) is not { } match)
                {
                    continue;
                }

                if (events is not null)
                {
                    // The event first, in a rule of its own: a limit that is spent ends its rule, and the drop must not
                    // depend on it.
                    Rule(w, Join(addresses, match, "ct state new", events), comment + " event");
                }

                bool tcp = !service.AnyProtocol && service.Protocol == IpProtocol.Tcp;
                if (service.AnyProtocol && action.Tcp != action.Other)
                {
                    // A reject for any protocol: TCP gets a reset, the rest an ICMP error.
                    Rule(w, Join(addresses, "meta l4proto tcp", "ct state new counter", log + action.Tcp), comment);
                }

                Rule(w, Join(addresses, match, "ct state new counter", log + (tcp ? action.Tcp : action.Other)), comment);
            }
        }
    }

    private static void Default(StringBuilder w, DenyResponse response, NftOptions options)
    {
        w.Append(Indent).Append("# the policy's default deny\n");
        if (EventLog(options, NftLogPrefix.Default) is { } events)
        {
            Rule(w, events, DefaultComment + " event");
        }
        else
        {
            Rule(w, $"limit rate 10/second burst 20 packets log prefix \"{NftLogPrefix.Default}\"", DefaultComment + " log");
        }

        if (response == DenyResponse.Reject)
        {
            Rule(w, "meta l4proto tcp counter reject with tcp reset", DefaultComment);
            Rule(w, "counter reject with icmpx type admin-prohibited", DefaultComment);
        }
        else
        {
            Rule(w, "counter drop", DefaultComment);
        }
    }

    /// <summary>
    /// The NFLOG statement of a denial's event (<see cref="NftOptions.EventGroup"/>), behind the shared limit; null
    /// without a group.
    /// </summary>
    private static string? EventLog(NftOptions options, string prefix) => options.EventGroup is { } group
        ? string.Create(CultureInfo.InvariantCulture,
            $"limit name \"{NftOptions.EventLimitName}\" log prefix \"{prefix}\" group {group} snaplen {NftOptions.EventSnapLength}")
        : null;

    private static (string Tcp, string Other) Action(CompiledRule rule) => Action(rule.Action, rule.Verdict.Response);

    private static (string Tcp, string Other) Action(RuleAction action, DenyResponse response) =>
        action == RuleAction.Allow ? ("accept", "accept")
        : response == DenyResponse.Reject ? ("reject with tcp reset", "reject with icmpx type admin-prohibited")
        : ("drop", "drop");

    /// <summary>The address matches per family: one line without addresses, or one per family both sides allow.</summary>
    private static IEnumerable<(Family Family, string Text)> Families(AddressMatch local, string localDir, AddressMatch remote, string remoteDir)
    {
        if (local.IsAny && remote.IsAny)
        {
            yield return (Family.Both, string.Empty);
            yield break;
        }

        foreach (Family family in new[] { Family.V4, Family.V6 })
        {
            string keyword = family == Family.V4 ? "ip" : "ip6";
            string? l = local.For(family), r = remote.For(family);
            if ((!local.IsAny && l is null) || (!remote.IsAny && r is null))
            {
                continue;
            }

            yield return (family, Join(r is null ? string.Empty : $"{keyword} {remoteDir} {r}", l is null ? string.Empty : $"{keyword} {localDir} {l}"));
        }
    }

    /// <summary>The nftables match for one service entry, or null when it cannot match this family.</summary>
    private static string? ServiceMatch(ServicePort s, Family family)
    {
        if (s.AnyProtocol)
        {
            return string.Empty;
        }

        if ((s.Protocol == IpProtocol.Icmp && family == Family.V6) || (s.Protocol == IpProtocol.Icmpv6 && family == Family.V4))
        {
            return null;
        }

        if (IpProtocol.HasPorts(s.Protocol))
        {
            string name = s.Protocol switch { IpProtocol.Tcp => "tcp", IpProtocol.Udp => "udp", _ => "sctp" };
            return (s.FirstPort, s.LastPort) switch
            {
                (0, ushort.MaxValue) => "meta l4proto " + name,
                var (a, b) when a == b => string.Create(CultureInfo.InvariantCulture, $"{name} dport {a}"),
                var (a, b) => string.Create(CultureInfo.InvariantCulture, $"{name} dport {a}-{b}"),
            };
        }

        return s.Protocol switch
        {
            IpProtocol.Icmp => "meta l4proto icmp",
            IpProtocol.Icmpv6 => "meta l4proto ipv6-icmp",
            _ => string.Create(CultureInfo.InvariantCulture, $"meta l4proto {s.Protocol}"),
        };
    }

    private static void Rule(StringBuilder w, string rule, string comment) =>
        w.Append(Indent).Append(rule).Append(" comment \"").Append(Safe(comment, 120)).Append("\"\n");

    private static string Join(params string[] parts) => string.Join(' ', parts.Where(p => p.Length > 0));

    private static string List(PolicySnapshot local, IReadOnlyList<int> rules) =>
        rules.Count == 0 ? "none" : string.Join(", ", rules.Select(i => string.Create(CultureInfo.InvariantCulture, $"{i} (line {local.Rules[i].Line})")));

    /// <summary>
    /// Text from the policy reduced to characters that mean nothing to nft's parser in a comment or a <c>#</c> line:
    /// letters, digits, space and <c>_ . : / - ( )</c>; anything else becomes <c>_</c>; cut to <paramref name="max"/>.
    /// </summary>
    internal static string Safe(string text, int max)
    {
        var b = new StringBuilder(Math.Min(text.Length, max));
        foreach (char c in text)
        {
            if (b.Length == max)
            {
                break;
            }

            b.Append(char.IsAsciiLetterOrDigit(c) || c is ' ' or '_' or '.' or ':' or '/' or '-' or '(' or ')' ? c : '_');
        }

        return b.ToString();
    }
}
