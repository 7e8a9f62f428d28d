using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Security.Cryptography;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Fragmentation;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Ike.Sa;

/// <summary>
/// IKEv2 message fragmentation (RFC 7383): the IKEV2_FRAGMENTATION_SUPPORTED exchange in IKE_SA_INIT (2.3), sending a
/// protected message as Encrypted Fragment messages when it would not fit <see cref="Config.IkeSaConfig.FragmentMtu"/>
/// (2.5), and reassembling received ones before they are processed as an SK message would be (2.6).
/// </summary>
public sealed partial class IkeSa
{
    private readonly FragmentReassembler _requestFragments = new();
    private readonly FragmentReassembler _responseFragments = new();
    private bool _peerAnnouncedFragmentation;
    private IReadOnlyList<byte[]>? _lastResponseFragments;

    /// <summary>True when both sides announced IKEV2_FRAGMENTATION_SUPPORTED in IKE_SA_INIT (RFC 7383 2.3).</summary>
    public bool FragmentationNegotiated => Config.Fragmentation && _peerAnnouncedFragmentation;

    /// <summary>
    /// RFC 7383 2.3: the initiator announces support in its IKE_SA_INIT request; the responder only in answer to an
    /// initiator that did.
    /// </summary>
    private IEnumerable<IkePayload> FragmentationSupportedPayload()
    {
        if (Config.Fragmentation && (Role == IkeRole.Initiator || _peerAnnouncedFragmentation))
        {
            yield return new NotifyPayload(NotifyType.Ikev2FragmentationSupported);
        }
    }

    private void ReadFragmentationSupport(IkeMessage initMessage) =>
        _peerAnnouncedFragmentation = initMessage.GetNotify(NotifyType.Ikev2FragmentationSupported) is not null;

    /// <summary>
    /// Protects an outgoing message: one SK message, or, when fragmentation was negotiated and the SK message would not
    /// fit the MTU, its Encrypted Fragment messages (RFC 7383 2.5; never for IKE_SA_INIT, which is not protected).
    /// </summary>
    private bool TryProtectOutgoing(in IkeHeader header, IReadOnlyList<IkePayload> inner, out IReadOnlyList<byte[]> datagrams, [NotNullWhen(false)] out string? error)
    {
        datagrams = [];
        if (_outbound is null)
        {
            error = "no keys";
            return false;
        }

        int max = FragmentSizing.MaxMessageLength(Config.FragmentMtu, LocalEndPoint, RemoteEndPoint);
        long whole = IkeHeader.Size + GenericPayloadHeader.Size + (long)_outbound.Suite.GetBodyLength((int)Math.Min(inner.Sum(p => (long)p.GetSerializedLength()), Limits.MaxMessageLength + 1));
        if (!FragmentationNegotiated || whole <= max)
        {
            if (!IkeMessageProtection.TryProtect(_outbound, header, inner, out byte[] datagram, out SkError skError))
            {
                error = skError.ToString();
                return false;
            }

            datagrams = [datagram];
            error = null;
            return true;
        }

        if (!IkeFragmenter.TryFragment(_outbound, header, inner, max, out datagrams, out FragmentError fragmentError))
        {
            error = $"fragmentation failed ({fragmentError})";
            return false;
        }

        _log.LogDebug("IKE SA {Spi:x16}: {Exchange} #{Id} sent as {Count} fragments (MTU {Mtu})", LocalSpi, header.ExchangeType,
            header.MessageId, datagrams.Count, Config.FragmentMtu);
        error = null;
        return true;
    }

    /// <summary>Sends every datagram of a (possibly fragmented) message, unchanged (RFC 7383 2.6.2 on retransmission).</summary>
    private void TransmitAll(IReadOnlyList<byte[]> datagrams, IPEndPoint local, IPEndPoint remote)
    {
        foreach (byte[] datagram in datagrams)
        {
            if (datagrams.Count > 1)
            {
                Counters.FragmentsSent++;
            }

            Transmit(datagram, local, remote);
        }
    }

    /// <summary>Our request again, all fragments of it when it was fragmented.</summary>
    private void Retransmit(PendingRequest request) => TransmitAll(request.Fragments ?? [request.Message], LocalEndPoint, RemoteEndPoint);

    /// <summary>The last response as sent: all its fragments, or the one message.</summary>
    private IReadOnlyList<byte[]> LastResponseDatagrams => _lastResponseFragments ?? [_lastResponse!];

    /// <summary>
    /// Verifies and keeps one received fragment; true (with the whole message) when it completed the message. A
    /// rejected fragment is dropped and counted; what was kept stays (RFC 7383 2.6).
    /// </summary>
    private bool TryReassemble(FragmentReassembler reassembler, ReadOnlySpan<byte> datagram, IkeMessage message, [NotNullWhen(true)] out DecryptedMessage? decrypted)
    {
        decrypted = null;
        if (!FragmentationNegotiated || _inbound is null)
        {
            DropFragment("fragment, but fragmentation was not negotiated (RFC 7383 2.3)");
            return false;
        }

        FragmentStatus status = reassembler.Submit(_inbound, datagram, message, _host.Time.GetUtcNow(), out DecryptedMessage? whole, out FragmentError error);
        if (status == FragmentStatus.Rejected)
        {
            DropFragment($"fragment refused ({error})");
            return false;
        }

        Counters.FragmentsReceived++;
        if (status == FragmentStatus.Kept)
        {
            return false;
        }

        Counters.MessagesReassembled++;
        _log.LogDebug("IKE SA {Spi:x16}: {Exchange} #{Id} reassembled from fragments", LocalSpi, message.Header.ExchangeType, message.Header.MessageId);
        decrypted = whole!;
        return true;
    }

    /// <summary>
    /// A fragment of the request we last answered: RFC 7383 2.6.1, the response (all its fragments) is sent again only
    /// for fragment 1, so that a retransmitted request of N fragments does not draw N responses, and only when its ICV
    /// verifies, so that nobody can make us send by forging one.
    /// </summary>
    private void AnswerRetransmittedFragment(ReadOnlySpan<byte> datagram, IkeMessage message, IPEndPoint local, IPEndPoint remote)
    {
        if (_inbound is null || message.Payloads[^1] is not EncryptedFragmentPayload { FragmentNumber: 1 } skf)
        {
            DropFragment("fragment of a request already answered");
            return;
        }

        if (!_inbound.TryOpen(datagram, datagram.Length - skf.Data.Length, out byte[] content, out _))
        {
            DropFragment("fragment of a request already answered failed its integrity check");
            return;
        }

        CryptographicOperations.ZeroMemory(content);
        Counters.DuplicatesAnswered++;
        TransmitAll(LastResponseDatagrams, local, remote);
    }

    private void DropFragment(string reason)
    {
        Counters.FragmentsDropped++;
        Drop(reason);
    }
}
