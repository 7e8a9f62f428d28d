namespace IpsecFw.Ike.Messages;

/// <summary>The payloads one kind of message may carry.</summary>
/// <param name="Exchange">The exchange type.</param>
/// <param name="Response">False for the request, true for the response.</param>
/// <param name="Encrypted">True if the message must be protected by an SK (or SKF) payload.</param>
/// <param name="Payloads">The allowed payload types; anything not listed is not allowed.</param>
public sealed record MessageRule(ExchangeType Exchange, bool Response, bool Encrypted, IReadOnlyList<PayloadRule> Payloads);
