using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Language;

/// <summary>
/// The semantic pass: resolves groups, services and endpoints, checks x509 predicates and addresses, and warns about
/// shadowed rules. Group definitions may refer only to groups defined above them (so unions can never be cyclic);
/// rules may refer to any group in the file. Not safe for concurrent use.
/// </summary>
internal sealed partial class PolicyBinder
{
    private readonly PolicyDocument _document;
    private readonly DiagnosticBag _diagnostics;
    private readonly Dictionary<string, CompiledGroup> _groups = new(StringComparer.Ordinal);
    private readonly List<CompiledGroup> _groupList = [];
    private readonly Dictionary<string, int> _allDefinitionLines = new(StringComparer.Ordinal);

    public PolicyBinder(PolicyDocument document, DiagnosticBag diagnostics)
    {
        _document = document;
        _diagnostics = diagnostics;
    }

    public PolicySnapshot Bind(long version)
    {
        foreach (GroupDefinition d in _document.Groups)
        {
            _allDefinitionLines.TryAdd(d.Name, d.Span.Line);
        }

        foreach (GroupDefinition d in _document.Groups)
        {
            BindDefinition(d);
        }

        DenyResponse defaultResponse = _document.DefaultResponse ?? DenyResponse.Drop;
        var rules = new List<CompiledRule>();
        foreach (RuleStatement r in _document.Rules)
        {
            if (BindRule(r, rules.Count, defaultResponse) is { } rule)
            {
                rules.Add(rule);
            }
        }

        foreach (ExpectStatement e in _document.Expectations)
        {
            CheckExpect(e);
        }

        WarnShadowed(rules);
        return new PolicySnapshot(version, [.. _groupList], [.. rules], defaultResponse);
    }

    private void BindDefinition(GroupDefinition d)
    {
        if (_groups.TryGetValue(d.Name, out CompiledGroup? first))
        {
            _diagnostics.Error(d.Span, $"duplicate definition of group '{d.Name}' (first defined on line {first.Line})");
            return;
        }

        var identities = new List<X509Matcher>();
        var addresses = new List<AddressRange>();
        var members = new List<int>();
        BindExpression(d.Value, identities, addresses, members);
        var group = new CompiledGroup(_groupList.Count, d.Name, d.Span.Line, identities, AddressSet.Create(addresses),
            [.. members.Distinct()]);
        _groups.Add(d.Name, group);
        _groupList.Add(group);
    }

    private void BindExpression(GroupExpression e, List<X509Matcher> identities, List<AddressRange> addresses,
        List<int> members)
    {
        switch (e)
        {
            case X509GroupExpression x:
                identities.Add(BindX509(x));
                break;
            case AddressGroupExpression a:
                BindAddresses(a, addresses);
                break;
            case UnionGroupExpression u:
                foreach (GroupExpression m in u.Members)
                {
                    BindExpression(m, identities, addresses, members);
                }

                break;
            case GroupReference r:
                if (!_groups.TryGetValue(r.Name, out CompiledGroup? g))
                {
                    _diagnostics.Error(r.Span, _allDefinitionLines.TryGetValue(r.Name, out int line)
                        ? $"group '{r.Name}' is used before its definition on line {line}"
                        : $"undefined group '{r.Name}'");
                    break;
                }

                identities.AddRange(g.Identities);
                addresses.AddRange(g.Addresses.Ranges.ToArray());
                members.Add(g.Index);
                members.AddRange(g.Members);
                break;
        }
    }

    private CompiledRule? BindRule(RuleStatement r, int index, DenyResponse defaultResponse)
    {
        bool ok = TryResolveService(r.Service, out ServicePort[] service);
        ok &= TryResolveEndpoint(r.Source, out int source);
        ok &= TryResolveEndpoint(r.Destination, out int destination);
        if (!ok)
        {
            return null;
        }

        DenyResponse response = r.Action == RuleAction.Deny ? r.Modifiers.Response ?? defaultResponse : DenyResponse.Drop;
        var verdict = new Verdict(r.Action, response, r.Modifiers.Log, index, r.Span.Line, r.Modifiers.Keyed);
        return new CompiledRule(index, r.Span.Line, service, source, destination, r.Modifiers.Process, verdict)
        {
            Span = r.Span,
        };
    }

    private bool TryResolveService(ServiceReference s, out ServicePort[] service)
    {
        if (s.Name is null)
        {
            service = [ServicePort.Any];
            return true;
        }

        if (ServiceTable.TryResolve(s.Name, out service, out string error))
        {
            return true;
        }

        _diagnostics.Error(s.Span, error);
        return false;
    }

    private bool TryResolveEndpoint(EndpointReference e, out int group)
    {
        group = -1;
        if (e.GroupName is null)
        {
            return true;
        }

        if (_groups.TryGetValue(e.GroupName, out CompiledGroup? g))
        {
            group = g.Index;
            return true;
        }

        if (!_allDefinitionLines.ContainsKey(e.GroupName))
        {
            _diagnostics.Error(e.Span, $"undefined group '{e.GroupName}'");
        }

        return false; // a group whose definition failed was reported there
    }

    private void CheckExpect(ExpectStatement e)
    {
        if (e.Service.Name is null)
        {
            _diagnostics.Error(e.Service.Span, "an expect line needs one service, not '*'");
        }
        else
        {
            TryResolveService(e.Service, out _);
        }

        foreach (ExpectEndpoint end in (ReadOnlySpan<ExpectEndpoint>)[e.Source, e.Destination])
        {
            if (end.Address is { } a && !IpAddressCodec.TryParseAny(a, out _))
            {
                _diagnostics.Error(end.Span, $"invalid address '{a}'");
            }
        }
    }
}
