namespace IpsecFw.Ike.Messages;

/// <summary>How many payloads of one type a message may carry, and whether they travel inside SK.</summary>
/// <param name="Type">The payload type.</param>
/// <param name="Min">Fewest occurrences (enforced only on messages that do not report an error).</param>
/// <param name="Max">Most occurrences.</param>
/// <param name="Encrypted">True if the payload must be inside the SK payload, false if it must be outside.</param>
public readonly record struct PayloadRule(PayloadType Type, int Min, int Max, bool Encrypted);
