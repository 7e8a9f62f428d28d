namespace IpsecFw.Ike.Messages;

/// <summary>Why a well-formed message breaks the rules of its exchange (RFC 7296 1.2 to 1.5); answered with INVALID_SYNTAX.</summary>
public enum MessageRuleViolation : byte
{
    /// <summary>The message follows the rules.</summary>
    None,

    /// <summary>No rule for this exchange type (RFC 7296 1.4.1 style: unknown exchanges are dropped or answered with an error).</summary>
    UnknownExchange,

    /// <summary>A protected exchange without exactly one SK or SKF payload, or with a payload outside it.</summary>
    NotEncrypted,

    /// <summary>An SK or SKF payload where the exchange is not protected (IKE_SA_INIT).</summary>
    UnexpectedEncryption,

    /// <summary>A payload type the message may not carry (or inside SK when it must be outside, or the reverse).</summary>
    PayloadNotAllowed,

    /// <summary>A required payload is missing.</summary>
    TooFewPayloads,

    /// <summary>A payload occurs more often than allowed.</summary>
    TooManyPayloads,
}
