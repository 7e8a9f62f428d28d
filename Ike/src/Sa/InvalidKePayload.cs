using System.Buffers.Binary;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;

namespace IpsecFw.Ike.Sa;

/// <summary>
/// The INVALID_KE_PAYLOAD notify (RFC 7296 1.2, 1.3, 3.10.1): its data is the two-octet key exchange method the
/// responder wants. Built by responders of IKE_SA_INIT and CREATE_CHILD_SA, read by their initiators.
/// </summary>
internal static class InvalidKePayload
{
    /// <summary>The notify asking for <paramref name="wanted"/>.</summary>
    public static NotifyPayload Create(KeyExchangeMethod wanted)
    {
        byte[] data = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(data, (ushort)wanted);
        return new NotifyPayload(NotifyType.InvalidKePayload, data);
    }

    /// <summary>
    /// True when <paramref name="notify"/> is INVALID_KE_PAYLOAD naming a method that one of <paramref name="offered"/>
    /// proposals contains (so retrying with it is worth it); <paramref name="wanted"/> is the method named (None if
    /// the data is malformed).
    /// </summary>
    public static bool TryReadOffered(NotifyPayload notify, IReadOnlyList<Proposal> offered, out KeyExchangeMethod wanted)
    {
        wanted = notify.NotifyType == NotifyType.InvalidKePayload && notify.Data.Length == 2
            ? (KeyExchangeMethod)BinaryPrimitives.ReadUInt16BigEndian(notify.Data)
            : KeyExchangeMethod.None;
        KeyExchangeMethod w = wanted;
        return w != KeyExchangeMethod.None && offered.Any(p => p.OfType(TransformType.KeyExchange).Any(t => t.Id == (ushort)w));
    }
}
