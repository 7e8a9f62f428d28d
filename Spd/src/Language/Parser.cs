namespace IpsecFw.Spd.Language;

/// <summary>
/// Recursive-descent parser for the policy language (grammar in <c>docs/policy-language.md</c>). A syntax error is
/// reported once per statement; the parser then skips to the next <c>;</c>, or to the first token of a later line,
/// whichever comes first, so that every statement of the file is checked in one run. Not safe for concurrent use.
/// </summary>
internal sealed partial class Parser
{
    private readonly List<Token> _tokens;
    private readonly DiagnosticBag _diagnostics;
    private readonly string _file;
    private int _index;

    private readonly List<GroupDefinition> _groups = [];
    private readonly List<RuleStatement> _rules = [];
    private readonly List<ExpectStatement> _expects = [];
    private DenyResponse? _defaultResponse;

    // Figure 2's "allow smtp(a, b);ntp(c, d);": the line of the last allow rule's ';', for the implied allow.
    private int _lastAllowEndLine = -1;

    public Parser(string file, List<Token> tokens, DiagnosticBag diagnostics)
    {
        _file = file;
        _tokens = tokens;
        _diagnostics = diagnostics;
    }

    private Token Current => _tokens[_index];

    private Token PeekAt(int ahead) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    public PolicyDocument Parse()
    {
        while (Current.Kind != TokenKind.End)
        {
            int statementStart = _index;
            try
            {
                ParseStatement();
            }
            catch (ParseException)
            {
                Resynchronise(statementStart);
            }
        }

        return new PolicyDocument(_file, _groups, _rules, _expects, _defaultResponse);
    }

    private void ParseStatement()
    {
        Token t = Current;
        if (t.Kind == TokenKind.Semicolon)
        {
            Advance(); // an empty statement is harmless
            return;
        }

        if (t.Kind == TokenKind.Word && PeekAt(1).Kind == TokenKind.Equals)
        {
            ParseDefinition();
            return;
        }

        if (t.IsKeyword("allow") || t.IsKeyword("deny"))
        {
            Advance();
            ParseRule(t.Span, t.Text == "allow" ? RuleAction.Allow : RuleAction.Deny, implied: false);
            return;
        }

        if (t.IsKeyword("expect"))
        {
            ParseExpect();
            return;
        }

        if (t.IsKeyword("default"))
        {
            ParseDefault();
            return;
        }

        if ((t.Kind is TokenKind.Word or TokenKind.Star) && PeekAt(1).Kind == TokenKind.LeftParen)
        {
            if (_lastAllowEndLine != t.Span.Line)
            {
                Fail(t.Span, "rule has no action: write 'allow' or 'deny' before the service");
            }

            ParseRule(t.Span, RuleAction.Allow, implied: true);
            return;
        }

        Fail(t.Span, $"expected a group definition, a rule or an expect line, found {Describe(t)}");
    }

    private void ParseDefinition()
    {
        Token name = Advance();
        if (Keywords.IsReserved(name.Text))
        {
            _diagnostics.Error(name.Span, $"'{name.Text}' is a reserved word and cannot name a group");
        }
        else if (!Keywords.IsGroupName(name.Text))
        {
            _diagnostics.Error(name.Span,
                $"invalid group name '{name.Text}': use letters, digits and '_', starting with a letter or '_'");
        }

        Advance(); // '='
        GroupExpression value = ParseUnion();
        Expect(TokenKind.Semicolon, "';' after the group definition");
        _groups.Add(new GroupDefinition(name.Span, name.Text, value));
    }

    private GroupExpression ParseUnion()
    {
        GroupExpression first = ParsePrimary();
        if (Current.Kind != TokenKind.Pipe)
        {
            return first;
        }

        var members = new List<GroupExpression> { first };
        while (Current.Kind == TokenKind.Pipe)
        {
            Advance();
            members.Add(ParsePrimary());
        }

        return new UnionGroupExpression(first.Span, members);
    }

    private GroupExpression ParsePrimary()
    {
        Token t = Current;
        if (t.Kind == TokenKind.Word && PeekAt(1).Kind == TokenKind.LeftBrace)
        {
            switch (t.Text)
            {
                case "x509":
                    return ParseX509();
                case "IPv4":
                    return ParseAddresses(IpVersion.V4);
                case "IPv6":
                    return ParseAddresses(IpVersion.V6);
                default:
                    Fail(t.Span, $"unknown group type '{t.Text}': expected x509, IPv4 or IPv6");
                    break;
            }
        }

        if (t.Kind == TokenKind.Word && !Keywords.IsGroupType(t.Text))
        {
            Advance();
            return new GroupReference(t.Span, t.Text);
        }

        if (t.Kind == TokenKind.Word)
        {
            Fail(PeekAt(1).Span, $"expected '{{' after '{t.Text}', found {Describe(PeekAt(1))}");
        }

        Fail(t.Span, $"expected x509{{...}}, IPv4{{...}}, IPv6{{...}} or a group name, found {Describe(t)}");
        return null!; // not reached: Fail throws
    }

    private X509GroupExpression ParseX509()
    {
        Token keyword = Advance();
        Advance(); // '{'
        var predicates = new List<X509Predicate>();
        if (Current.Kind != TokenKind.RightBrace)
        {
            do
            {
                predicates.Add(ParsePredicate());
            }
            while (Accept(TokenKind.Comma));
        }

        Expect(TokenKind.RightBrace, "',' or '}' in x509{...}");
        return new X509GroupExpression(keyword.Span, predicates);
    }

    private X509Predicate ParsePredicate()
    {
        Token name = Current;
        if (name.Kind != TokenKind.Word)
        {
            Fail(name.Span, $"expected an x509 predicate (name, dn, issuer, serial, group, ver), found {Describe(name)}");
        }

        Advance();
        Token op = Current;
        ComparisonOperator? comparison = op.Kind switch
        {
            TokenKind.Equals => ComparisonOperator.Equal,
            TokenKind.Less => ComparisonOperator.Less,
            TokenKind.LessEqual => ComparisonOperator.LessEqual,
            TokenKind.Greater => ComparisonOperator.Greater,
            TokenKind.GreaterEqual => ComparisonOperator.GreaterEqual,
            _ => null,
        };
        if (comparison is null)
        {
            Fail(op.Span, $"expected '=', '<', '<=', '>' or '>=' after '{name.Text}', found {Describe(op)}");
        }

        Advance();
        Token value = Current;
        if (value.Kind is not (TokenKind.String or TokenKind.Word))
        {
            Fail(value.Span, $"expected a value after '{name.Text}{op.Text}', found {Describe(value)}");
        }

        Advance();
        return new X509Predicate(name.Span, name.Text, comparison!.Value, value.Text, value.Span);
    }

    private AddressGroupExpression ParseAddresses(IpVersion version)
    {
        Token keyword = Advance();
        Advance(); // '{'
        var items = new List<AddressItem>();
        if (Current.Kind != TokenKind.RightBrace)
        {
            do
            {
                Token a = Current;
                if (a.Kind != TokenKind.Word)
                {
                    Fail(a.Span, $"expected an address, prefix or range in {keyword.Text}{{...}}, found {Describe(a)}");
                }

                Advance();
                items.Add(new AddressItem(a.Span, a.Text));
            }
            while (Accept(TokenKind.Comma));
        }

        Expect(TokenKind.RightBrace, $"',' or '}}' in {keyword.Text}{{...}}");
        return new AddressGroupExpression(keyword.Span, version, items);
    }
}
