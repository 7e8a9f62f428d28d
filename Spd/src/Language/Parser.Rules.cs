namespace IpsecFw.Spd.Language;

/// <summary>Rules, expect lines, the default response, and the parser's token helpers.</summary>
internal sealed partial class Parser
{
    private void ParseRule(SourceSpan start, RuleAction action, bool implied)
    {
        ServiceReference service = ParseService();
        (EndpointReference source, EndpointReference destination) = ParseRuleEndpoints();
        RuleModifiers modifiers = ParseModifiers(action);
        Token end = Expect(TokenKind.Semicolon, "';' after the rule");
        _rules.Add(new RuleStatement(start, action, implied, service, source, destination, modifiers));
        _lastAllowEndLine = action == RuleAction.Allow ? end.Span.Line : -1;
    }

    private ServiceReference ParseService()
    {
        Token t = Current;
        if (t.Kind == TokenKind.Star)
        {
            Advance();
            return new ServiceReference(t.Span, null);
        }

        if (t.Kind != TokenKind.Word)
        {
            Fail(t.Span, $"expected a service (a name, tcp/PORT, udp/PORT, proto/N or '*'), found {Describe(t)}");
        }

        Advance();
        return new ServiceReference(t.Span, t.Text);
    }

    private (EndpointReference Source, EndpointReference Destination) ParseRuleEndpoints()
    {
        Expect(TokenKind.LeftParen, "'(' after the service");
        EndpointReference source = ParseRuleEndpoint();
        Expect(TokenKind.Comma, "',' between source and destination");
        EndpointReference destination = ParseRuleEndpoint();
        Expect(TokenKind.RightParen, "')' after the destination");
        return (source, destination);
    }

    private EndpointReference ParseRuleEndpoint()
    {
        Token t = Current;
        if (t.Kind == TokenKind.Star)
        {
            Advance();
            return new EndpointReference(t.Span, null);
        }

        if (t.Kind != TokenKind.Word)
        {
            Fail(t.Span, $"expected a group name or '*', found {Describe(t)}");
        }

        Advance();
        return new EndpointReference(t.Span, t.Text);
    }

    private RuleModifiers ParseModifiers(RuleAction action)
    {
        bool log = false, keyed = false;
        DenyResponse? response = null;
        string? process = null;
        SourceSpan keyedSpan = default;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // An unknown word on a later line is the next statement after a missing ';', not a misspelt modifier.
        while (Current.Kind == TokenKind.Word
            && (Current.Text is "log" or "drop" or "reject" or "process" or "keyed"
                || Current.Span.Line == _tokens[_index - 1].Span.Line))
        {
            Token m = Advance();
            if (!seen.Add(m.Text is "drop" or "reject" ? "response" : m.Text))
            {
                _diagnostics.Error(m.Span, m.Text is "drop" or "reject"
                    ? "a rule may name only one response ('drop' or 'reject')"
                    : $"duplicate modifier '{m.Text}'");
            }

            switch (m.Text)
            {
                case "log":
                    log = true;
                    break;
                case "drop" or "reject":
                    if (action == RuleAction.Allow)
                    {
                        _diagnostics.Error(m.Span, $"'{m.Text}' applies only to deny rules");
                    }

                    response = m.Text == "drop" ? DenyResponse.Drop : DenyResponse.Reject;
                    break;
                case "process":
                    Token path = Current;
                    if (path.Kind != TokenKind.String)
                    {
                        Fail(path.Span, $"expected the program's path as a string after 'process', found {Describe(path)}");
                    }

                    Advance();
                    if (!path.Text.StartsWith('/'))
                    {
                        _diagnostics.Error(path.Span, "the program's path must be absolute");
                    }

                    process = path.Text;
                    break;
                case "keyed":
                    keyed = true;
                    keyedSpan = m.Span;
                    break;
                default:
                    Fail(m.Span, $"unknown rule modifier '{m.Text}': expected log, drop, reject, process or keyed");
                    break;
            }
        }

        if (keyed && process is null)
        {
            _diagnostics.Error(keyedSpan, "'keyed' needs a 'process' on the same rule");
        }

        return log || keyed || response is not null || process is not null
            ? new RuleModifiers(log, response, process, keyed)
            : RuleModifiers.None;
    }

    private void ParseExpect()
    {
        Token keyword = Advance();
        Token verdict = Current;
        if (!verdict.IsKeyword("allow") && !verdict.IsKeyword("deny"))
        {
            Fail(verdict.Span, $"expected 'allow' or 'deny' after 'expect', found {Describe(verdict)}");
        }

        Advance();
        ServiceReference service = ParseService();
        Expect(TokenKind.LeftParen, "'(' after the service");
        ExpectEndpoint source = ParseExpectEndpoint();
        Expect(TokenKind.Comma, "',' between source and destination");
        ExpectEndpoint destination = ParseExpectEndpoint();
        Expect(TokenKind.RightParen, "')' after the destination");
        Expect(TokenKind.Semicolon, "';' after the expect line");
        RuleAction expected = verdict.Text == "allow" ? RuleAction.Allow : RuleAction.Deny;
        _expects.Add(new ExpectStatement(keyword.Span, expected, service, source, destination));
        _lastAllowEndLine = -1;
    }

    private ExpectEndpoint ParseExpectEndpoint()
    {
        Token t = Current;
        if (t.Kind == TokenKind.Star)
        {
            Advance();
            return new ExpectEndpoint(t.Span, null, null);
        }

        string? identity = null;
        if (t.Kind is TokenKind.Word or TokenKind.String)
        {
            Advance();
            identity = t.Text;
        }
        else if (t.Kind != TokenKind.At)
        {
            Fail(t.Span, $"expected a certificate name, an address, NAME@ADDRESS or '*', found {Describe(t)}");
        }

        string? address = null;
        if (Accept(TokenKind.At))
        {
            Token a = Current;
            if (a.Kind != TokenKind.Word)
            {
                Fail(a.Span, $"expected an address after '@', found {Describe(a)}");
            }

            Advance();
            address = a.Text;
        }
        else if (t.Kind == TokenKind.Word && Keywords.LooksLikeAddress(t.Text))
        {
            (identity, address) = (null, t.Text);
        }

        return new ExpectEndpoint(t.Span, identity, address);
    }

    private void ParseDefault()
    {
        Advance();
        Token r = Current;
        if (!r.IsKeyword("drop") && !r.IsKeyword("reject"))
        {
            Fail(r.Span, $"expected 'drop' or 'reject' after 'default', found {Describe(r)}");
        }

        Advance();
        Expect(TokenKind.Semicolon, "';' after the default response");
        if (_defaultResponse is not null)
        {
            _diagnostics.Error(r.Span, "the default response is already set");
        }

        _defaultResponse = r.Text == "drop" ? DenyResponse.Drop : DenyResponse.Reject;
        _lastAllowEndLine = -1;
    }

    private Token Advance()
    {
        Token t = Current;
        if (t.Kind != TokenKind.End)
        {
            _index++;
        }

        return t;
    }

    private bool Accept(TokenKind kind)
    {
        if (Current.Kind != kind)
        {
            return false;
        }

        Advance();
        return true;
    }

    private Token Expect(TokenKind kind, string what)
    {
        Token t = Current;
        if (t.Kind != kind)
        {
            Fail(t.Span, $"expected {what}, found {Describe(t)}");
        }

        return Advance();
    }

    private void Fail(SourceSpan at, string message)
    {
        _diagnostics.Error(at, message);
        throw new ParseException(message);
    }

    private static string Describe(Token t) => t.Kind switch
    {
        TokenKind.End => "end of file",
        TokenKind.String => $"string \"{t.Text}\"",
        _ => $"'{t.Text}'",
    };

    /// <summary>
    /// Skips the rest of a statement that failed: up to and including the next <c>;</c>, or up to (not including) the
    /// first token of a later line than the failure, so that a missing <c>;</c> costs only its own statement.
    /// </summary>
    private void Resynchronise(int statementStart)
    {
        int errorLine = Current.Span.Line;
        if (_index == statementStart && Current.Kind != TokenKind.End)
        {
            Advance(); // always make progress
        }

        while (Current.Kind != TokenKind.End)
        {
            Token t = Current;
            if (t.Kind == TokenKind.Semicolon)
            {
                Advance();
                break;
            }

            bool firstOnLine = _index == 0 || _tokens[_index - 1].Span.Line != t.Span.Line;
            if (firstOnLine && t.Span.Line > errorLine)
            {
                break;
            }

            Advance();
        }

        _lastAllowEndLine = -1;
    }
}
