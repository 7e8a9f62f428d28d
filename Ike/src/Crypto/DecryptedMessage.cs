using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Crypto;

/// <summary>A received message whose SK payload has been authenticated and decrypted. Immutable.</summary>
public sealed class DecryptedMessage
{
    /// <summary>The outer message and the decoded content of its SK payload.</summary>
    public DecryptedMessage(IkeMessage outer, IReadOnlyList<IkePayload> inner)
    {
        Outer = outer;
        Inner = inner;
    }

    /// <summary>The message as received: its header, any payloads before SK, and the SK payload still opaque.</summary>
    public IkeMessage Outer { get; }

    /// <summary>The payloads inside SK, in order (the first one's type was SK's Next Payload).</summary>
    public IReadOnlyList<IkePayload> Inner { get; }

    /// <summary>The IKE header.</summary>
    public IkeHeader Header => Outer.Header;

    /// <summary>The first inner payload of type <typeparamref name="T"/>, or null.</summary>
    public T? Get<T>()
        where T : IkePayload => Inner.OfType<T>().FirstOrDefault();

    /// <summary>The first inner payload with the given type (IDi/IDr, TSi/TSr share a class), or null.</summary>
    public IkePayload? Get(PayloadType type) => Inner.FirstOrDefault(p => p.Type == type);

    /// <summary>Checks the message against <see cref="MessageRules"/>, inner payloads included.</summary>
    public MessageCheckResult CheckRules() => MessageRules.Check(Outer, Inner);
}
