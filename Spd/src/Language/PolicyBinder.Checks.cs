using System.Globalization;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Spd.Language;

/// <summary>x509 predicates, addresses, and the shadowing analysis.</summary>
internal sealed partial class PolicyBinder
{
    private X509Matcher BindX509(X509GroupExpression x)
    {
        List<string> names = [], dns = [], issuers = [], serials = [], groups = [], versionTexts = [];
        long min = long.MinValue, max = long.MaxValue;
        foreach (X509Predicate p in x.Predicates)
        {
            if (p.Name is not ("name" or "dn" or "issuer" or "serial" or "group" or "ver"))
            {
                _diagnostics.Error(p.Span,
                    $"unknown x509 predicate '{p.Name}': expected name, dn, issuer, serial, group or ver");
                continue;
            }

            if (p.Name != "ver" && p.Operator != ComparisonOperator.Equal)
            {
                _diagnostics.Error(p.Span, $"'{p.Name}' can only be compared with '='");
                continue;
            }

            if (p.Value.Length == 0)
            {
                _diagnostics.Error(p.ValueSpan, $"empty '{p.Name}' value matches no certificate");
                continue;
            }

            switch (p.Name)
            {
                case "name": names.Add(p.Value); break;
                case "dn": dns.Add(p.Value); break;
                case "issuer": issuers.Add(p.Value); break;
                case "group": groups.Add(p.Value); break;
                case "serial":
                    if (!p.Value.All(c => char.IsAsciiHexDigit(c) || c == ':'))
                    {
                        _diagnostics.Error(p.ValueSpan, $"serial must be hexadecimal, found '{p.Value}'");
                        break;
                    }

                    serials.Add(X509Matcher.NormaliseSerial(p.Value));
                    break;
                case "ver":
                    string text = "ver" + OperatorText(p.Operator) + p.Value;
                    if (p.Value.Length > 18 || !p.Value.All(char.IsAsciiDigit))
                    {
                        _diagnostics.Error(p.ValueSpan, $"version must be a number such as the date YYYYMMDD, found '{p.Value}'");
                        break;
                    }

                    long v = long.Parse(p.Value, CultureInfo.InvariantCulture);
                    (long newMin, long newMax) = p.Operator switch
                    {
                        ComparisonOperator.Greater => (Math.Max(min, v + 1), max),
                        ComparisonOperator.GreaterEqual => (Math.Max(min, v), max),
                        ComparisonOperator.Less => (min, Math.Min(max, v - 1)),
                        ComparisonOperator.LessEqual => (min, Math.Min(max, v)),
                        _ => (Math.Max(min, v), Math.Min(max, v)),
                    };
                    if (newMin > newMax)
                    {
                        _diagnostics.Error(p.Span, versionTexts.Count == 0
                            ? $"impossible version constraint: no certificate has {text}"
                            : $"impossible version constraint: {text} contradicts {string.Join(", ", versionTexts)}");
                        break;
                    }

                    (min, max) = (newMin, newMax);
                    versionTexts.Add(text);
                    break;
            }
        }

        return new X509Matcher(names, dns, issuers, serials, groups, min, max);
    }

    private static string OperatorText(ComparisonOperator op) => op switch
    {
        ComparisonOperator.Less => "<",
        ComparisonOperator.LessEqual => "<=",
        ComparisonOperator.Greater => ">",
        ComparisonOperator.GreaterEqual => ">=",
        _ => "=",
    };

    private void BindAddresses(AddressGroupExpression a, List<AddressRange> addresses)
    {
        string family = a.Version == IpVersion.V4 ? "IPv4" : "IPv6";
        if (a.Items.Count == 0)
        {
            _diagnostics.Error(a.Span, $"an {family} group needs at least one address");
            return;
        }

        foreach (AddressItem item in a.Items)
        {
            if (TryParseItem(item, a.Version, family) is { } range)
            {
                addresses.Add(range);
            }
        }
    }

    private AddressRange? TryParseItem(AddressItem item, IpVersion version, string family)
    {
        string text = item.Text;
        int bits = version == IpVersion.V4 ? 32 : 128;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        int dash = text.IndexOf('-', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!TryAddress(item, text[..slash], version, family, out UInt128 address))
            {
                return null;
            }

            string lengthText = text[(slash + 1)..];
            if (lengthText.Length is 0 or > 3 || !lengthText.All(char.IsAsciiDigit)
                || int.Parse(lengthText, CultureInfo.InvariantCulture) > bits)
            {
                _diagnostics.Error(item.Span, $"invalid prefix length '{lengthText}': expected 0-{bits}");
                return null;
            }

            int hostBits = bits - int.Parse(lengthText, CultureInfo.InvariantCulture);
            UInt128 mask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
            UInt128 first = address & ~mask;
            if (first != address)
            {
                _diagnostics.Warning(item.Span,
                    $"prefix '{text}' has host bits set; it means {IpAddressCodec.ToIPAddress(first)}/{lengthText}");
            }

            return new AddressRange(first, first | mask);
        }

        if (dash >= 0)
        {
            string firstText = text[..dash], lastText = text[(dash + 1)..];
            if (!TryAddress(item, firstText, version, family, out UInt128 first)
                || !TryAddress(item, lastText, version, family, out UInt128 last))
            {
                return null;
            }

            if (last < first)
            {
                _diagnostics.Error(item.Span, $"address range '{text}' is reversed: its start is after its end");
                return null;
            }

            return new AddressRange(first, last);
        }

        return TryAddress(item, text, version, family, out UInt128 single) ? new AddressRange(single, single) : null;
    }

    private bool TryAddress(AddressItem item, string text, IpVersion version, string family, out UInt128 address)
    {
        if (IpAddressCodec.TryParse(text, version, out address))
        {
            return true;
        }

        IpVersion other = version == IpVersion.V4 ? IpVersion.V6 : IpVersion.V4;
        _diagnostics.Error(item.Span, IpAddressCodec.TryParse(text, other, out _)
            ? $"'{text}' is not an {family} address (it belongs in an {(other == IpVersion.V4 ? "IPv4" : "IPv6")} group)"
            : $"invalid {family} address '{text}'");
        return false;
    }

    private void WarnShadowed(List<CompiledRule> rules)
    {
        // An earlier rule can shadow a later one only if it covers the later rule's service, source and destination.
        // Three indices each give a superset of the earlier rules that could: by service (the rules matching the later
        // rule's first service entry's protocol and first port), by source group and by destination group
        // (ShadowCandidates). The smallest of the three is walked, so a policy of thousands of rules on one service,
        // or from one source, is still checked in about linear time rather than all pairs.
        var index = new RuleIndex(rules);
        var bySource = new ShadowCandidates(rules, _groupList, r => r.Source);
        var byDestination = new ShadowCandidates(rules, _groupList, r => r.Destination);
        for (int j = 1; j < rules.Count; j++)
        {
            CompiledRule later = rules[j];
            if (later.Service.Length == 0)
            {
                continue;
            }

            ServicePort first = later.Service[0];
            ReadOnlySpan<int> service = first.AnyProtocol ? default : index.Candidates(first.Protocol, first.FirstPort);
            int serviceCount = first.AnyProtocol ? j : ShadowCandidates.Below(service, j);
            bySource.TryGet(later.Source, _groupList, j, out int[][] sourceLists, out int sourceCount);
            byDestination.TryGet(later.Destination, _groupList, j, out int[][] destinationLists, out int destinationCount);

            int shadowing = int.MaxValue;
            if (serviceCount <= sourceCount && serviceCount <= destinationCount)
            {
                for (int i = 0; i < j && shadowing == int.MaxValue; i++)
                {
                    int candidate = first.AnyProtocol ? i : i < service.Length ? service[i] : j;
                    if (candidate >= j)
                    {
                        break;
                    }

                    shadowing = Covers(rules[candidate], later) ? candidate : int.MaxValue;
                }
            }
            else
            {
                foreach (int[] list in sourceCount <= destinationCount ? sourceLists : destinationLists)
                {
                    foreach (int i in list)
                    {
                        if (i >= j || i >= shadowing)
                        {
                            break;
                        }

                        if (Covers(rules[i], later))
                        {
                            shadowing = i;
                            break;
                        }
                    }
                }
            }

            if (shadowing != int.MaxValue)
            {
                _diagnostics.Warning(later.Span,
                    $"rule can never match: the rule on line {rules[shadowing].Line} already matches everything it does");
            }
        }
    }

    private bool Covers(CompiledRule earlier, CompiledRule later)
    {
        if (earlier.Process is not null && !string.Equals(earlier.Process, later.Process, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (ServicePort s in later.Service)
        {
            bool covered = false;
            foreach (ServicePort e in earlier.Service)
            {
                covered |= e.Covers(s);
            }

            if (!covered)
            {
                return false;
            }
        }

        return GroupCovers(earlier.Source, later.Source) && GroupCovers(earlier.Destination, later.Destination);
    }

    private bool GroupCovers(int outer, int inner)
    {
        if (outer < 0 || outer == inner)
        {
            return true;
        }

        if (inner < 0)
        {
            return false;
        }

        CompiledGroup o = _groupList[outer], n = _groupList[inner];
        if (o.Members.Contains(inner))
        {
            return true;
        }

        // A pure address group inside another group's addresses.
        return n.Identities.Count == 0 && !n.Addresses.IsEmpty && o.Addresses.ContainsAll(n.Addresses);
    }
}
