using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Fragmentation;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Tests.Crypto;

namespace IpsecFw.Ike.Tests.Fragmentation;

/// <summary>A sender and a receiver protector with the same random keys, and shortcuts to fragment and submit.</summary>
internal sealed class FragmentKit : IDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public FragmentKit(string suite = "aes256gcm16")
    {
        Suite = SkTestSupport.ByName(suite);
        (byte[] ek, byte[] ak) = SkTestSupport.RandomKeys(Suite);
        Sender = new SkProtector(Suite, ek, ak);
        Receiver = new SkProtector(Suite, ek, ak);
        (byte[] fk, byte[] fa) = SkTestSupport.RandomKeys(Suite);
        Forger = new SkProtector(Suite, fk, fa);
    }

    public IkeCipherSuite Suite { get; }

    public SkProtector Sender { get; }

    public SkProtector Receiver { get; }

    /// <summary>Other keys: what an attacker without SK_e/SK_a can produce.</summary>
    public SkProtector Forger { get; }

    public static IkeHeader Header(uint messageId = 1, ExchangeType exchange = ExchangeType.IkeAuth) =>
        SkTestSupport.AuthHeader with { MessageId = messageId, ExchangeType = exchange };

    /// <summary>A notify of <paramref name="size"/> data bytes and the IKE_AUTH sample content.</summary>
    public static List<IkePayload> Inner(int size) =>
        [.. SkTestSupport.AuthPayloads(), new NotifyPayload(NotifyType.NatDetectionSourceIp, [.. Enumerable.Range(0, size).Select(i => (byte)i)])];

    public IReadOnlyList<byte[]> Fragment(IReadOnlyList<IkePayload> inner, int max, uint messageId = 1, SkProtector? with = null)
    {
        Assert.True(IkeFragmenter.TryFragment(with ?? Sender, Header(messageId), inner, max, out IReadOnlyList<byte[]> fragments, out FragmentError error), error.ToString());
        return fragments;
    }

    public FragmentStatus Submit(FragmentReassembler r, byte[] datagram, out DecryptedMessage? message, out FragmentError error, DateTimeOffset? at = null)
    {
        Assert.True(IkeMessage.TryDecode(datagram, out IkeMessage outer, out IkeDecodeFailure failure), failure.ToString());
        return r.Submit(Receiver, datagram, outer, at ?? T0, out message, out error);
    }

    public FragmentStatus Submit(FragmentReassembler r, byte[] datagram, DateTimeOffset? at = null) => Submit(r, datagram, out _, out _, at);

    public void Dispose()
    {
        Sender.Dispose();
        Receiver.Dispose();
        Forger.Dispose();
    }
}
