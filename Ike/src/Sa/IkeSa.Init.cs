using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Keys.KeyExchange;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Ike.Sa;

/// <summary>IKE_SA_INIT (RFC 7296 1.2, 2.6 cookies, 1.2 INVALID_KE_PAYLOAD, 2.23 NAT detection).</summary>
public sealed partial class IkeSa
{
    private const int MaxInitAttempts = 4;
    private byte[]? _cookie;
    private int _initAttempts;
    private KeyExchangeMethod _group;

    /// <summary>Creates an initiator and sends IKE_SA_INIT.</summary>
    public static IkeSa Initiate(IkeSaConfig config, IIkeSaHost host, IPEndPoint local, IPEndPoint remote, ILogger? log = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(host);
        var sa = new IkeSa(config, host, IkeRole.Initiator, NewSpi(host), 0, local, remote, log);
        sa._group = (KeyExchangeMethod)config.IkeProposals[0].OfType(TransformType.KeyExchange).First().Id;
        sa.SendInitRequest();
        return sa;
    }

    /// <summary>
    /// Responder: answers an IKE_SA_INIT request. Returns the new half-open SA, or null when the request was refused
    /// statelessly (NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD: answered without keeping state) or was invalid.
    /// Cookies (RFC 7296 2.6) are the caller's business: it sees every request first.
    /// </summary>
    public static IkeSa? Respond(IkeSaConfig config, IIkeSaHost host, ReadOnlySpan<byte> datagram, IkeMessage request,
        IPEndPoint local, IPEndPoint remote, ILogger? log, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(request);
        IkeHeader h = request.Header;
        SaPayload? sa = request.Get<SaPayload>();
        KePayload? ke = request.Get<KePayload>();
        NoncePayload? nonce = request.Get<NoncePayload>();
        if (h.ResponderSpi != 0 || h.MessageId != 0 || sa is null || ke is null || nonce is null || !MessageRules.Check(request).IsValid)
        {
            refusal = "invalid IKE_SA_INIT request";
            return null;
        }

        if (nonce.Data.Length is < 16 or > 256)
        {
            refusal = "nonce length outside 16..256 (RFC 7296 2.10)";
            return null;
        }

        if (!ProposalSelector.TrySelect(sa.Proposals, config.IkeProposals, ProtocolId.Ike, out Proposal chosen)
            || !IkeAlgorithms.TryFrom(chosen, out IkeAlgorithms? algorithms, out _))
        {
            refusal = "no acceptable IKE proposal";
            SendStatelessError(host, h, local, remote, new NotifyPayload(NotifyType.NoProposalChosen));
            return null;
        }

        if (ke.Group != algorithms.Group)
        {
            // RFC 7296 1.2: tell the initiator which group we chose; keep no state.
            refusal = $"initiator guessed key exchange group {ke.Group}, we chose {algorithms.Group}";
            SendStatelessError(host, h, local, remote, InvalidKePayload.Create(algorithms.Group));
            return null;
        }

#pragma warning disable CA2000 // Ownership goes to the caller, or Close() releases everything on refusal.
        var ikeSa = new IkeSa(config, host, IkeRole.Responder, h.InitiatorSpi, NewSpi(host), local, remote, log);
#pragma warning restore CA2000
        if (!ikeSa.CompleteResponderInit(datagram, request, chosen, algorithms, ke, nonce, out refusal))
        {
            ikeSa.Close(refusal);
            return null;
        }

        return ikeSa;
    }

    private static void SendStatelessError(IIkeSaHost host, IkeHeader request, IPEndPoint local, IPEndPoint remote, NotifyPayload notify)
    {
        var header = new IkeHeader(request.InitiatorSpi, 0, PayloadType.None, MajorVersion, 0, ExchangeType.IkeSaInit,
            IkeHeaderFlags.Response, 0, 0);
        host.Send(null!, new IkeMessage(header, [notify]).Encode(), local, remote);
    }

    private void SendInitRequest()
    {
#pragma warning disable CA2000 // Held in _keyExchange, disposed once the shared secret is computed or the SA closes.
        if (!IkeKeyExchange.TryCreate(_group, out IkeKeyExchange? ke))
#pragma warning restore CA2000
        {
            Close($"key exchange group {_group} is not implemented");
            return;
        }

        _keyExchange?.Dispose();
        _keyExchange = ke;
        if (_nonceI.Length == 0)
        {
            _nonceI = RandomBytes(Config.NonceLength);
        }

        var payloads = new List<IkePayload>();
        if (_cookie is not null)
        {
            payloads.Add(new NotifyPayload(NotifyType.Cookie, _cookie));
        }

        payloads.Add(new SaPayload(Config.IkeProposals));
        payloads.Add(new KePayload(_group, ke.PublicValue));
        payloads.Add(new NoncePayload(_nonceI));
        payloads.AddRange(NatDetectionPayloads(InitiatorSpi, 0));
        payloads.AddRange(SignatureHashesPayload());
        payloads.AddRange(FragmentationSupportedPayload());

        var header = new IkeHeader(InitiatorSpi, 0, PayloadType.None, MajorVersion, 0, ExchangeType.IkeSaInit, IkeHeaderFlags.Initiator, 0, 0);
        byte[] datagram = new IkeMessage(header, payloads).Encode();
        _initRequest = datagram;
        State = IkeSaState.InitSent;
        _pending = new PendingRequest(datagram, 0, ExchangeType.IkeSaInit, "IKE_SA_INIT", OnInitResponse, _host.Time.GetUtcNow());
        _log.LogInformation("IKE SA {Spi:x16}: initiating to {Remote} (group {Group})", InitiatorSpi, RemoteEndPoint, _group);
        Transmit(datagram);
    }

    private IEnumerable<IkePayload> NatDetectionPayloads(ulong spiI, ulong spiR)
    {
        // RFC 7296 2.23. To force UDP encapsulation, the source hash is one no address can produce (as strongSwan's
        // encap = yes does), so the peer believes we are behind a NAT.
        byte[] source = Config.ForceUdpEncapsulation ? RandomBytes(NatDetection.HashLength) : NatDetection.Hash(spiI, spiR, LocalEndPoint);
        yield return new NotifyPayload(NotifyType.NatDetectionSourceIp, source);
        yield return new NotifyPayload(NotifyType.NatDetectionDestinationIp, NatDetection.Hash(spiI, spiR, RemoteEndPoint));
    }

    private IEnumerable<IkePayload> SignatureHashesPayload()
    {
        IReadOnlyList<ushort> hashes = Config.Authenticator.SupportedSignatureHashes;
        if (hashes.Count == 0)
        {
            yield break;
        }

        byte[] data = new byte[2 * hashes.Count];
        for (int i = 0; i < hashes.Count; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2 * i), hashes[i]);
        }

        yield return new NotifyPayload(NotifyType.SignatureHashAlgorithms, data);
    }

    private void OnInitResponse(IkeMessage response, DecryptedMessage? unused)
    {
        // The response did not advance a real request counter when it only asks us to start over.
        if (response.GetNotify(NotifyType.Cookie) is { } cookie && response.Get<SaPayload>() is null)
        {
            if (++_initAttempts > MaxInitAttempts || cookie.Data.Length is 0 or > 64)
            {
                Close("responder keeps asking for cookies");
                return;
            }

            _nextRequestId = 0;
            _cookie = cookie.Data;
            SendInitRequest();
            return;
        }

        if (response.GetNotify(NotifyType.InvalidKePayload) is { } invalidKe && response.Get<SaPayload>() is null)
        {
            bool offered = InvalidKePayload.TryReadOffered(invalidKe, Config.IkeProposals, out KeyExchangeMethod wanted);
            if (!offered || wanted == _group || ++_initAttempts > MaxInitAttempts)
            {
                Close($"responder asked for key exchange group {wanted}, which we did not offer");
                return;
            }

            _log.LogInformation("IKE SA {Spi:x16}: responder wants group {Group} (INVALID_KE_PAYLOAD), retrying", InitiatorSpi, wanted);
            _nextRequestId = 0;
            _group = wanted;
            SendInitRequest();
            return;
        }

        if (response.Payloads.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } error)
        {
            Close($"responder refused IKE_SA_INIT: {error.NotifyType}");
            return;
        }

        SaPayload? sa = response.Get<SaPayload>();
        KePayload? ke = response.Get<KePayload>();
        NoncePayload? nonce = response.Get<NoncePayload>();
        if (response.Header.ResponderSpi == 0 || sa is null || ke is null || nonce is null || sa.Proposals.Count != 1
            || !ProposalSelector.IsValidChoice(Config.IkeProposals, sa.Proposals[0])
            || !IkeAlgorithms.TryFrom(sa.Proposals[0], out IkeAlgorithms? algorithms, out _)
            || algorithms.Group != _group || ke.Group != _group || nonce.Data.Length is < 16 or > 256)
        {
            Close("invalid IKE_SA_INIT response (proposal, KE or nonce)");
            return;
        }

        ResponderSpi = response.Header.ResponderSpi;
        _nonceR = nonce.Data;
        _initResponse = response.Encode();
        Algorithms = algorithms;
        _peerSignatureHashes = ReadSignatureHashes(response);
        ReadFragmentationSupport(response);
        DetectNat(response, response.Header.InitiatorSpi, response.Header.ResponderSpi);
        if (!DeriveIkeKeys(ke.KeyExchangeData, out string? why))
        {
            Close(why);
            return;
        }

        if (UdpEncapsulation && LocalEndPoint.Port != 4500)
        {
            // RFC 7296 2.23: with a NAT, the initiator moves to port 4500 for IKE_AUTH and everything after.
            LocalEndPoint = new IPEndPoint(LocalEndPoint.Address, 4500);
            RemoteEndPoint = new IPEndPoint(RemoteEndPoint.Address, 4500);
        }

        SendAuthRequest();
    }

    private bool CompleteResponderInit(ReadOnlySpan<byte> datagram, IkeMessage request, Proposal chosen, IkeAlgorithms algorithms,
        KePayload ke, NoncePayload nonce, [NotNullWhen(false)] out string? refusal)
    {
        _initRequest = datagram.ToArray();
        _nonceI = nonce.Data;
        _nonceR = RandomBytes(Config.NonceLength);
        _group = algorithms.Group;
        Algorithms = algorithms;
        _peerSignatureHashes = ReadSignatureHashes(request);
        ReadFragmentationSupport(request);
        DetectNat(request, InitiatorSpi, 0);
#pragma warning disable CA2000 // Held in _keyExchange, disposed once the shared secret is computed or the SA closes.
        if (!IkeKeyExchange.TryCreate(_group, out IkeKeyExchange? keyExchange))
#pragma warning restore CA2000
        {
            refusal = $"key exchange group {_group} is not implemented";
            return false;
        }

        _keyExchange = keyExchange;
        var payloads = new List<IkePayload>
        {
            new SaPayload([chosen]),
            new KePayload(_group, keyExchange.PublicValue),
            new NoncePayload(_nonceR),
        };
        payloads.AddRange(NatDetectionPayloads(InitiatorSpi, ResponderSpi));
        if (Config.Authenticator.CertificateRequest is { } certReq)
        {
            payloads.Add(certReq);
        }

        payloads.AddRange(SignatureHashesPayload());
        payloads.AddRange(FragmentationSupportedPayload());
        var header = new IkeHeader(InitiatorSpi, ResponderSpi, PayloadType.None, MajorVersion, 0, ExchangeType.IkeSaInit, IkeHeaderFlags.Response, 0, 0);
        byte[] response = new IkeMessage(header, payloads).Encode();
        _initResponse = response;
        if (!DeriveIkeKeys(ke.KeyExchangeData, out refusal))
        {
            return false;
        }

        _lastRequestHash = System.Security.Cryptography.SHA256.HashData(datagram);
        _lastResponse = response;
        _peerNextRequestId = 1;
        State = IkeSaState.InitAnswered;
        _log.LogInformation("IKE SA {Spi:x16}: IKE_SA_INIT from {Remote} answered ({Algorithms})", ResponderSpi, RemoteEndPoint, algorithms);
        Transmit(response);
        return true;
    }

    private void DetectNat(IkeMessage message, ulong spiI, ulong spiR)
    {
        NotifyPayload[] sources = [.. message.Payloads.OfType<NotifyPayload>().Where(n => n.NotifyType == NotifyType.NatDetectionSourceIp)];
        NotifyPayload? destination = message.GetNotify(NotifyType.NatDetectionDestinationIp);
        if (sources.Length == 0 || destination is null)
        {
            return;
        }

        byte[] peerHash = NatDetection.Hash(spiI, spiR, RemoteEndPoint);
        NatRemote = !sources.Any(s => s.Data.AsSpan().SequenceEqual(peerHash));
        NatLocal = !destination.Data.AsSpan().SequenceEqual(NatDetection.Hash(spiI, spiR, LocalEndPoint));
        if (NatLocal || NatRemote)
        {
            _log.LogInformation("IKE SA {Spi:x16}: NAT detected ({Where})", LocalSpi,
                NatLocal && NatRemote ? "both sides" : NatLocal ? "in front of us" : "in front of the peer, or faked by it");
        }
    }

    private static ushort[] ReadSignatureHashes(IkeMessage message)
    {
        NotifyPayload? n = message.GetNotify(NotifyType.SignatureHashAlgorithms);
        if (n is null || n.Data.Length % 2 != 0 || n.Data.Length > 64)
        {
            return [];
        }

        ushort[] hashes = new ushort[n.Data.Length / 2];
        for (int i = 0; i < hashes.Length; i++)
        {
            hashes[i] = BinaryPrimitives.ReadUInt16BigEndian(n.Data.AsSpan(2 * i));
        }

        return hashes;
    }

    private bool DeriveIkeKeys(byte[] peerPublic, [NotNullWhen(false)] out string? error)
    {
        IkeAlgorithms algorithms = Algorithms!;
        if (!_keyExchange!.TryComputeSharedSecret(peerPublic, out byte[]? shared, out KeyExchangeError keError))
        {
            error = $"peer's key exchange value refused ({keError})";
            return false;
        }

        try
        {
            byte[] skeyseed = IkeSaKeys.ComputeSkeyseed(algorithms.Prf, _nonceI, _nonceR, shared);
            try
            {
                _keys = IkeSaKeys.Derive(algorithms.Prf, skeyseed, _nonceI, _nonceR, InitiatorSpi, ResponderSpi,
                    algorithms.Cipher.EncryptionKeySize, algorithms.Cipher.IntegrityKeyLength);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(skeyseed);
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(shared);
        }

        bool initiator = Role == IkeRole.Initiator;
        _outbound = SkProtector.Create(algorithms.Cipher, _keys, fromInitiator: initiator);
        _inbound = SkProtector.Create(algorithms.Cipher, _keys, fromInitiator: !initiator);
        _keyExchange.Dispose();
        _keyExchange = null;
        error = null;
        return true;
    }
}
