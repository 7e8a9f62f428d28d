namespace IpsecFw.Host.Demo;

/// <summary>What the policy decides about a connection, and where.</summary>
/// <param name="Verdict">Allowed or denied.</param>
/// <param name="Rule">The deciding rule as the table shows it (<c>host1 in: line 6 allow smtp(mail_gw, inside_net);</c>).</param>
/// <param name="Host">The host whose decision that is (null when nobody enforces).</param>
/// <param name="Inbound">True when it is the responder's inbound decision, false for the initiator's outbound one.</param>
/// <param name="RuleIndex">The deciding rule's 0-based index, or -1 for the default deny.</param>
internal sealed record DemoDecision(DemoVerdict Verdict, string Rule, DemoHost? Host, bool Inbound, int RuleIndex);
