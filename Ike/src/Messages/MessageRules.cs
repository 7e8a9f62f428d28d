using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Messages;

/// <summary>
/// Which payloads each message may carry (RFC 7296 1.2 to 1.5, 2.21), as a table in the manner of strongSwan's
/// message.c, checked by <see cref="Check"/> before any exchange logic sees a message. Minimums are waived for a message
/// that reports an error (a Notify of an error type, or COOKIE in a response), because such a message replaces the normal
/// content (RFC 7296 2.6, 2.21). Unknown non-critical payloads are not counted. Immutable and thread-safe.
/// </summary>
public static class MessageRules
{
    private const int ManyNotifies = 32;
    private const int ManyVendorIds = 16;
    private const int ManyCertificates = 8;
    private const int ManyDeletes = 16;

    private static readonly MessageRule[] s_rules =
    [
        //   exchange                    response encrypted
        new(ExchangeType.IkeSaInit, false, false,
        [
            //  type                                  min max             encrypted
            new(PayloadType.SecurityAssociation,      1,  1,              false),
            new(PayloadType.KeyExchange,              1,  1,              false),
            new(PayloadType.Nonce,                    1,  1,              false),
            new(PayloadType.Notify,                   0,  ManyNotifies,   false),
            new(PayloadType.VendorId,                 0,  ManyVendorIds,  false),
        ]),
        new(ExchangeType.IkeSaInit, true, false,
        [
            new(PayloadType.SecurityAssociation,      1,  1,              false),
            new(PayloadType.KeyExchange,              1,  1,              false),
            new(PayloadType.Nonce,                    1,  1,              false),
            new(PayloadType.CertificateRequest,       0,  ManyCertificates, false),
            new(PayloadType.Notify,                   0,  ManyNotifies,   false),
            new(PayloadType.VendorId,                 0,  ManyVendorIds,  false),
        ]),
        new(ExchangeType.IkeAuth, false, true,
        [
            new(PayloadType.IdentificationInitiator,  1,  1,              true),
            new(PayloadType.Certificate,              0,  ManyCertificates, true),
            new(PayloadType.CertificateRequest,       0,  ManyCertificates, true),
            new(PayloadType.IdentificationResponder,  0,  1,              true),
            new(PayloadType.Authentication,           0,  1,              true), // absent when the initiator asks for EAP
            new(PayloadType.Eap,                      0,  1,              true),
            new(PayloadType.Configuration,            0,  1,              true),
            new(PayloadType.SecurityAssociation,      0,  1,              true), // absent in childless IKE_AUTH (RFC 6023)
            new(PayloadType.TrafficSelectorInitiator, 0,  1,              true),
            new(PayloadType.TrafficSelectorResponder, 0,  1,              true),
            new(PayloadType.Notify,                   0,  ManyNotifies,   true),
            new(PayloadType.VendorId,                 0,  ManyVendorIds,  true),
        ]),
        new(ExchangeType.IkeAuth, true, true,
        [
            new(PayloadType.IdentificationResponder,  1,  1,              true),
            new(PayloadType.Certificate,              0,  ManyCertificates, true),
            new(PayloadType.Authentication,           1,  1,              true),
            new(PayloadType.Eap,                      0,  1,              true),
            new(PayloadType.Configuration,            0,  1,              true),
            new(PayloadType.SecurityAssociation,      0,  1,              true),
            new(PayloadType.TrafficSelectorInitiator, 0,  1,              true),
            new(PayloadType.TrafficSelectorResponder, 0,  1,              true),
            new(PayloadType.Notify,                   0,  ManyNotifies,   true),
            new(PayloadType.VendorId,                 0,  ManyVendorIds,  true),
        ]),
        new(ExchangeType.CreateChildSa, false, true,
        [
            new(PayloadType.SecurityAssociation,      1,  1,              true),
            new(PayloadType.Nonce,                    1,  1,              true),
            new(PayloadType.KeyExchange,              0,  1,              true),
            new(PayloadType.TrafficSelectorInitiator, 0,  1,              true), // absent on IKE SA rekey
            new(PayloadType.TrafficSelectorResponder, 0,  1,              true),
            new(PayloadType.Notify,                   0,  ManyNotifies,   true),
            new(PayloadType.VendorId,                 0,  ManyVendorIds,  true),
        ]),
        new(ExchangeType.CreateChildSa, true, true,
        [
            new(PayloadType.SecurityAssociation,      1,  1,              true),
            new(PayloadType.Nonce,                    1,  1,              true),
            new(PayloadType.KeyExchange,              0,  1,              true),
            new(PayloadType.TrafficSelectorInitiator, 0,  1,              true),
            new(PayloadType.TrafficSelectorResponder, 0,  1,              true),
            new(PayloadType.Notify,                   0,  ManyNotifies,   true),
            new(PayloadType.VendorId,                 0,  ManyVendorIds,  true),
        ]),
        new(ExchangeType.Informational, false, true,
        [
            new(PayloadType.Notify,                   0,  ManyNotifies,   true),
            new(PayloadType.Delete,                   0,  ManyDeletes,    true),
            new(PayloadType.Configuration,            0,  1,              true),
            new(PayloadType.VendorId,                 0,  ManyVendorIds,  true),
        ]),
        new(ExchangeType.Informational, true, true,
        [
            new(PayloadType.Notify,                   0,  ManyNotifies,   true),
            new(PayloadType.Delete,                   0,  ManyDeletes,    true),
            new(PayloadType.Configuration,            0,  1,              true),
            new(PayloadType.VendorId,                 0,  ManyVendorIds,  true),
        ]),
    ];

    /// <summary>All rules, for documentation and tests.</summary>
    public static IReadOnlyList<MessageRule> All => s_rules;

    /// <summary>The rule for an exchange and direction, or null for an exchange we do not implement.</summary>
    public static MessageRule? Find(ExchangeType exchange, bool response)
    {
        foreach (MessageRule rule in s_rules)
        {
            if (rule.Exchange == exchange && rule.Response == response)
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>
    /// Checks a message against its rule. <paramref name="decrypted"/> is the decoded content of its SK payload; while
    /// it is null (before decryption) only the unprotected part is checked and minimums of protected payloads wait.
    /// </summary>
    public static MessageCheckResult Check(IkeMessage message, IReadOnlyList<IkePayload>? decrypted = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        MessageRule? rule = Find(message.Header.ExchangeType, message.Header.IsResponse);
        if (rule is null)
        {
            return new MessageCheckResult(MessageRuleViolation.UnknownExchange);
        }

        int encryptedCount = message.Payloads.Count(p => p.InnerFirstPayload is not null);
        if (rule.Encrypted && encryptedCount != 1)
        {
            return new MessageCheckResult(MessageRuleViolation.NotEncrypted, PayloadType.Encrypted);
        }

        if (!rule.Encrypted && (encryptedCount != 0 || decrypted is not null))
        {
            return new MessageCheckResult(MessageRuleViolation.UnexpectedEncryption, PayloadType.Encrypted);
        }

        Span<int> counts = stackalloc int[rule.Payloads.Count];
        MessageCheckResult result = Count(rule, message.Payloads, encrypted: false, counts);
        if (!result.IsValid)
        {
            return result;
        }

        if (decrypted is not null)
        {
            result = Count(rule, decrypted, encrypted: true, counts);
            if (!result.IsValid)
            {
                return result;
            }
        }

        bool reportsError = ReportsError(message.Payloads, message.Header.IsResponse) ||
                            (decrypted is not null && ReportsError(decrypted, message.Header.IsResponse));
        bool contentKnown = !rule.Encrypted || decrypted is not null;
        for (int i = 0; i < rule.Payloads.Count; i++)
        {
            PayloadRule payloadRule = rule.Payloads[i];
            if (counts[i] > payloadRule.Max)
            {
                return new MessageCheckResult(MessageRuleViolation.TooManyPayloads, payloadRule.Type);
            }

            if (counts[i] < payloadRule.Min && contentKnown && !reportsError)
            {
                return new MessageCheckResult(MessageRuleViolation.TooFewPayloads, payloadRule.Type);
            }
        }

        return default;
    }

    private static MessageCheckResult Count(MessageRule rule, IReadOnlyList<IkePayload> payloads, bool encrypted, Span<int> counts)
    {
        foreach (IkePayload payload in payloads)
        {
            if (payload is UnknownPayload || (!encrypted && payload.InnerFirstPayload is not null))
            {
                continue;
            }

            int index = IndexOf(rule, payload.Type);
            if (index < 0 || rule.Payloads[index].Encrypted != encrypted)
            {
                return new MessageCheckResult(
                    rule.Encrypted && !encrypted ? MessageRuleViolation.NotEncrypted : MessageRuleViolation.PayloadNotAllowed,
                    payload.Type);
            }

            counts[index]++;
        }

        return default;
    }

    private static int IndexOf(MessageRule rule, PayloadType type)
    {
        for (int i = 0; i < rule.Payloads.Count; i++)
        {
            if (rule.Payloads[i].Type == type)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool ReportsError(IReadOnlyList<IkePayload> payloads, bool response) =>
        payloads.OfType<NotifyPayload>().Any(n => n.IsError || (response && n.NotifyType == NotifyType.Cookie));
}
