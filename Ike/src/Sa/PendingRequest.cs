using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Messages;

namespace IpsecFw.Ike.Sa;

/// <summary>
/// Our one outstanding request (window size 1, RFC 7296 2.3): the bytes as sent (a retransmission resends them
/// unchanged, RFC 7296 2.1), what to do with the answer, and the retransmission schedule.
/// </summary>
internal sealed class PendingRequest(byte[] message, uint messageId, ExchangeType exchange, string purpose,
    Action<IkeMessage, DecryptedMessage?> onResponse, DateTimeOffset sentAt)
{
    public byte[] Message { get; set; } = message;

    /// <summary>All fragments of the request when it was fragmented (RFC 7383), resent unchanged; else null.</summary>
    public IReadOnlyList<byte[]>? Fragments { get; init; }

    public uint MessageId { get; } = messageId;

    public ExchangeType Exchange { get; } = exchange;

    public string Purpose { get; } = purpose;

    public Action<IkeMessage, DecryptedMessage?> OnResponse { get; } = onResponse;

    public DateTimeOffset LastSent { get; set; } = sentAt;

    public int Retransmissions { get; set; }
}
