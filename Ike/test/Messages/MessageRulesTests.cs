using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Tests.Harness;

namespace IpsecFw.Ike.Tests.Messages;

public sealed class MessageRulesTests
{
    private static IkeHeader Header(ExchangeType exchange, bool response) =>
        SamplePayloads.InitHeader with { ExchangeType = exchange, Flags = response ? IkeHeaderFlags.Response : IkeHeaderFlags.Initiator };

    private static readonly NoncePayload s_nonce = new(new byte[32]);
    private static readonly KePayload s_ke = new(KeyExchangeMethod.Curve25519, new byte[32]);
    private static readonly EncryptedPayload s_sk = new(PayloadType.IdentificationInitiator, new byte[32]);

    public static TheoryData<string, MessageRuleViolation, PayloadType> Cases() => new()
    {
        { "init request complete", MessageRuleViolation.None, PayloadType.None },
        { "init request without nonce", MessageRuleViolation.TooFewPayloads, PayloadType.Nonce },
        { "init request with two KE", MessageRuleViolation.TooManyPayloads, PayloadType.KeyExchange },
        { "init request with SK", MessageRuleViolation.UnexpectedEncryption, PayloadType.Encrypted },
        { "init request with IDi", MessageRuleViolation.PayloadNotAllowed, PayloadType.IdentificationInitiator },
        { "init request with unknown non-critical payload", MessageRuleViolation.None, PayloadType.None },
        { "init response with only INVALID_KE_PAYLOAD", MessageRuleViolation.None, PayloadType.None },
        { "init response with only a status notify", MessageRuleViolation.TooFewPayloads, PayloadType.SecurityAssociation },
        { "auth request without SK", MessageRuleViolation.NotEncrypted, PayloadType.Encrypted },
        { "auth request with plaintext notify beside SK", MessageRuleViolation.NotEncrypted, PayloadType.Notify },
        { "auth request before decryption", MessageRuleViolation.None, PayloadType.None },
        { "auth request decrypted", MessageRuleViolation.None, PayloadType.None },
        { "auth request decrypted without IDi", MessageRuleViolation.TooFewPayloads, PayloadType.IdentificationInitiator },
        { "auth request decrypted with KE", MessageRuleViolation.PayloadNotAllowed, PayloadType.KeyExchange },
        { "informational response empty", MessageRuleViolation.None, PayloadType.None },
        { "unknown exchange", MessageRuleViolation.UnknownExchange, PayloadType.None },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rules_table(string name, MessageRuleViolation violation, PayloadType type)
    {
        SaPayload sa = SamplePayloads.Sa();
        var idi = new IdPayload(true, IdType.Fqdn, "a"u8.ToArray());
        var auth = new AuthPayload(AuthMethod.SharedKeyMessageIntegrityCode, new byte[32]);
        (IkeMessage message, IReadOnlyList<IkePayload>? inner) = name switch
        {
            "init request complete" => (new IkeMessage(Header(ExchangeType.IkeSaInit, false), [sa, s_ke, s_nonce]), (IReadOnlyList<IkePayload>?)null),
            "init request without nonce" => (new IkeMessage(Header(ExchangeType.IkeSaInit, false), [sa, s_ke]), null),
            "init request with two KE" => (new IkeMessage(Header(ExchangeType.IkeSaInit, false), [sa, s_ke, s_ke, s_nonce]), null),
            "init request with SK" => (new IkeMessage(Header(ExchangeType.IkeSaInit, false), [sa, s_ke, s_nonce, s_sk]), null),
            "init request with IDi" => (new IkeMessage(Header(ExchangeType.IkeSaInit, false), [sa, s_ke, s_nonce, idi]), null),
            "init request with unknown non-critical payload" =>
                (new IkeMessage(Header(ExchangeType.IkeSaInit, false), [sa, s_ke, s_nonce, new UnknownPayload((PayloadType)77, [])]), null),
            "init response with only INVALID_KE_PAYLOAD" =>
                (new IkeMessage(Header(ExchangeType.IkeSaInit, true), [new NotifyPayload(NotifyType.InvalidKePayload, [0, 19])]), null),
            "init response with only a status notify" =>
                (new IkeMessage(Header(ExchangeType.IkeSaInit, true), [new NotifyPayload(NotifyType.NatDetectionSourceIp, new byte[20])]), null),
            "auth request without SK" => (new IkeMessage(Header(ExchangeType.IkeAuth, false), [idi, auth]), null),
            "auth request with plaintext notify beside SK" =>
                (new IkeMessage(Header(ExchangeType.IkeAuth, false), [new NotifyPayload(NotifyType.InitialContact), s_sk]), null),
            "auth request before decryption" => (new IkeMessage(Header(ExchangeType.IkeAuth, false), [s_sk]), null),
            "auth request decrypted" => (new IkeMessage(Header(ExchangeType.IkeAuth, false), [s_sk]), [idi, auth, sa]),
            "auth request decrypted without IDi" => (new IkeMessage(Header(ExchangeType.IkeAuth, false), [s_sk]), [auth, sa]),
            "auth request decrypted with KE" => (new IkeMessage(Header(ExchangeType.IkeAuth, false), [s_sk]), [idi, auth, s_ke]),
            "informational response empty" => (new IkeMessage(Header(ExchangeType.Informational, true), [s_sk]), []),
            _ => (new IkeMessage(Header((ExchangeType)99, false), [s_nonce]), null),
        };

        Assert.Equal(new MessageCheckResult(violation, type), MessageRules.Check(message, inner));
    }

    [Fact]
    public void Every_rule_is_consistent()
    {
        foreach (MessageRule rule in MessageRules.All)
        {
            Assert.Same(rule, MessageRules.Find(rule.Exchange, rule.Response));
            Assert.All(rule.Payloads, p => Assert.InRange(p.Min, 0, p.Max));
            Assert.All(rule.Payloads, p => Assert.Equal(rule.Encrypted, p.Encrypted));
            Assert.Equal(rule.Payloads.Count, rule.Payloads.Select(p => p.Type).Distinct().Count());
        }
    }
}
