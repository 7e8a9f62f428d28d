using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Fragmentation;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Keys.KeyExchange;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Spd.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IpsecFw.Ike.Sa;

/// <summary>
/// One IKE SA and its CHILD_SAs: the RFC 7296 exchanges as a state machine with no I/O of its own. Datagrams come in
/// through <see cref="Receive"/>, time through <see cref="OnTimer"/>, and everything it does goes out through
/// <see cref="IIkeSaHost"/>. Not thread-safe: one thread (the IKE loop) drives it.
/// </summary>
/// <remarks>
/// Message IDs (RFC 7296 2.2): our requests count from 0 in <see cref="_nextRequestId"/>, the peer's in
/// <see cref="_peerNextRequestId"/>; the window is 1 each way. The last response is kept and sent again, unchanged,
/// when the same request arrives again (2.1).
/// </remarks>
public sealed partial class IkeSa : IDisposable
{
    private const byte MajorVersion = 2;
    private readonly IIkeSaHost _host;
    private readonly ILogger _log;
    private readonly List<ChildSa> _children = [];
    private readonly Queue<Action> _queuedRequests = new();

    private uint _nextRequestId;
    private uint _peerNextRequestId;
    private byte[]? _lastResponse;
    private byte[]? _lastRequestHash;
    private PendingRequest? _pending;

    private byte[] _nonceI = [];
    private byte[] _nonceR = [];
    private byte[]? _initRequest;
    private byte[]? _initResponse;
    private IkeKeyExchange? _keyExchange;
    private IkeSaKeys? _keys;
    private SkProtector? _outbound;
    private SkProtector? _inbound;
    private IReadOnlyList<ushort> _peerSignatureHashes = [];
    private DateTimeOffset _lastHeard;

    private IkeSa(IkeSaConfig config, IIkeSaHost host, IkeRole role, ulong spiI, ulong spiR, IPEndPoint local, IPEndPoint remote, ILogger? log)
    {
        Config = config;
        _host = host;
        _log = log ?? NullLogger.Instance;
        Role = role;
        InitiatorSpi = spiI;
        ResponderSpi = spiR;
        LocalEndPoint = local;
        RemoteEndPoint = remote;
        Created = host.Time.GetUtcNow();
        _lastHeard = Created;
    }

    /// <summary>
    /// The connection this SA belongs to. A responder may change it once, at IKE_AUTH, to the configuration that the
    /// initiator's identity selects (<see cref="IIkeSaHost.ChooseResponderConfig"/>, RFC 7296 2.15).
    /// </summary>
    public IkeSaConfig Config { get; private set; }

    /// <summary>Our role.</summary>
    public IkeRole Role { get; }

    /// <summary>The initiator's SPI.</summary>
    public ulong InitiatorSpi { get; }

    /// <summary>The responder's SPI (0 until the initiator has the answer).</summary>
    public ulong ResponderSpi { get; private set; }

    /// <summary>Our SPI: the one the peer's messages are found by.</summary>
    public ulong LocalSpi => Role == IkeRole.Initiator ? InitiatorSpi : ResponderSpi;

    /// <summary>Our address and port for IKE (moves to 4500 with NAT traversal).</summary>
    public IPEndPoint LocalEndPoint { get; private set; }

    /// <summary>The peer's address and port for IKE.</summary>
    public IPEndPoint RemoteEndPoint { get; private set; }

    /// <summary>The state.</summary>
    public IkeSaState State { get; private set; }

    /// <summary>When created.</summary>
    public DateTimeOffset Created { get; }

    /// <summary>When authenticated.</summary>
    public DateTimeOffset? EstablishedAt { get; private set; }

    /// <summary>The negotiated IKE algorithms, after IKE_SA_INIT.</summary>
    public IkeAlgorithms? Algorithms { get; private set; }

    /// <summary>The authenticated peer, after IKE_AUTH.</summary>
    public PeerIdentity? PeerIdentity { get; private set; }

    /// <summary>True when a NAT sits in front of us (RFC 7296 2.23).</summary>
    public bool NatLocal { get; private set; }

    /// <summary>True when a NAT sits in front of the peer, or the peer fakes one to force UDP encapsulation.</summary>
    public bool NatRemote { get; private set; }

    /// <summary>True when ESP goes in UDP (a NAT either side, or forced by configuration).</summary>
    public bool UdpEncapsulation => NatLocal || NatRemote || Config.ForceUdpEncapsulation;

    /// <summary>The live CHILD_SA pairs.</summary>
    public IReadOnlyList<ChildSa> Children => _children;

    /// <summary>Message counters.</summary>
    public IkeSaCounters Counters { get; } = new();

    /// <summary>Why the SA closed, once it has.</summary>
    public string? CloseReason { get; private set; }

    /// <summary>Why the peer's IKE_AUTH was refused (its credentials or the policy), or <see cref="Auth.AuthFailure.None"/>.</summary>
    public Auth.AuthFailure AuthFailure { get; private set; }

    /// <summary>True when the peer's IKE_AUTH request broke the payload rules (e.g. more than 8 CERT payloads) and was refused with INVALID_SYNTAX.</summary>
    public bool AuthInvalidSyntax { get; private set; }

    /// <summary>True when the SA closed because IKE_AUTH did not complete within the half-open timeout (RFC 7296 2.6).</summary>
    public bool HalfOpenExpired { get; private set; }

    /// <summary>True while a request of ours waits for its answer.</summary>
    public bool HasPendingRequest => _pending is not null;

    /// <summary>
    /// Handles one datagram for this SA (without the non-ESP marker). Hostile input is dropped and counted, never
    /// thrown.
    /// </summary>
    public void Receive(ReadOnlySpan<byte> datagram, IPEndPoint local, IPEndPoint remote)
    {
        if (State == IkeSaState.Closed)
        {
            return;
        }

        if (datagram.Length > Config.MaxMessageSize || !IkeMessage.TryDecode(datagram, out IkeMessage message, out IkeDecodeFailure failure))
        {
            Drop("malformed message");
            return;
        }

        IkeHeader h = message.Header;
        bool fromOriginalInitiator = Role == IkeRole.Responder;
        if (h.IsFromInitiator != fromOriginalInitiator || h.InitiatorSpi != InitiatorSpi)
        {
            Drop("wrong I flag or SPI");
            return;
        }

        if (h.IsResponse)
        {
            HandleResponse(datagram, message, local, remote);
        }
        else
        {
            HandleRequest(datagram, message, local, remote);
        }
    }

    /// <summary>Drives retransmission, liveness checks and half-open expiry. Call a few times a second.</summary>
    public void OnTimer()
    {
        if (State == IkeSaState.Closed)
        {
            return;
        }

        DateTimeOffset now = _host.Time.GetUtcNow();
        if (State == IkeSaState.InitAnswered && now - Created > Config.HalfOpenTimeout)
        {
            HalfOpenExpired = true;
            Close("half-open SA expired without IKE_AUTH (RFC 7296 2.6)");
            return;
        }

        if (_pending is { } p)
        {
            TimeSpan timeout = Config.RetransmitTimeout * Math.Pow(Config.RetransmitBase, p.Retransmissions);
            if (now - p.LastSent >= timeout)
            {
                if (p.Retransmissions >= Config.RetransmitTries)
                {
                    Close($"peer did not answer {p.Purpose} after {p.Retransmissions} retransmissions");
                    return;
                }

                p.Retransmissions++;
                p.LastSent = now;
                Counters.Retransmissions++;
                _log.LogDebug("IKE SA {Spi:x16}: retransmitting {Purpose} (#{Count})", LocalSpi, p.Purpose, p.Retransmissions);
                Retransmit(p);
            }

            return;
        }

        if (State != IkeSaState.Established)
        {
            return;
        }

        if (Config.IkeRekeyAfter > TimeSpan.Zero && now - (EstablishedAt ?? Created) >= Config.IkeRekeyAfter && _ikeRekeyStarted is null)
        {
            RekeyIkeSa();
            return;
        }

        if (Config.ChildRekeyAfter > TimeSpan.Zero
            && _children.FirstOrDefault(c => !c.Superseded && c.RekeyStarted is null && now - c.Established >= Config.ChildRekeyAfter) is { } due)
        {
            RekeyChild(due);
            return;
        }

        if (Config.DpdDelay > TimeSpan.Zero && now - _lastHeard >= Config.DpdDelay)
        {
            SendLivenessCheck();
        }
    }

    /// <summary>Deletes the IKE SA and its CHILD_SAs: a DELETE to the peer when established, then closed.</summary>
    public void Delete(string reason)
    {
        if (State == IkeSaState.Closed || State == IkeSaState.Deleting)
        {
            return;
        }

        if (State is not IkeSaState.Established and not IkeSaState.Rekeyed)
        {
            Close(reason);
            return;
        }

        State = IkeSaState.Deleting;
        _queuedRequests.Clear();
        if (_pending is not null)
        {
            // A request is outstanding; the window is 1 (RFC 7296 2.3), so the DELETE would have to wait. Close now and
            // tell the peer without waiting for its answer.
            _pending = null;
        }

        SendProtectedRequest(ExchangeType.Informational, [new DeletePayload(ProtocolId.Ike, 0, [])], "DELETE of the IKE SA",
            (_, _) => Close(reason));
    }

    /// <summary>Closes the SA at once, without telling the peer: children down, keys zeroed.</summary>
    public void Close(string reason)
    {
        if (State == IkeSaState.Closed)
        {
            return;
        }

        SettleIkeRekeyCollision(peerDeletedUs: false);
        IkeSaState previous = State;
        State = IkeSaState.Closed;
        CloseReason = reason;
        _pending = null;
        _queuedRequests.Clear();
        foreach (ChildSa child in _children)
        {
            _host.OnChildSaDown(this, child);
            child.Dispose();
        }

        _children.Clear();
        ReleasePendingChildSpi();
        if (Replacement is null)
        {
            ReleaseLease();
        }

        DisposeKeys();
        _log.Log(previous == IkeSaState.Established || previous == IkeSaState.Deleting ? LogLevel.Information : LogLevel.Warning,
            "IKE SA {Spi:x16} with {Remote} closed: {Reason}", LocalSpi, RemoteEndPoint, reason);
        _host.OnClosed(this, reason);
    }

    /// <inheritdoc/>
    public void Dispose() => Close("disposed");

    /// <inheritdoc/>
    public override string ToString() => $"IKE SA {InitiatorSpi:x16}/{ResponderSpi:x16} {Role} {State} {RemoteEndPoint}";

    private void HandleResponse(ReadOnlySpan<byte> datagram, IkeMessage message, IPEndPoint local, IPEndPoint remote)
    {
        PendingRequest? p = _pending;
        if (p is null || message.Header.MessageId != p.MessageId || message.Header.ExchangeType != p.Exchange)
        {
            Drop("response to no outstanding request");
            return;
        }

        DecryptedMessage? decrypted = null;
        if (p.Exchange != ExchangeType.IkeSaInit)
        {
            if (FragmentReassembler.IsFragment(message))
            {
                // RFC 7383 2.6: kept until all fragments are in, then processed as the whole message.
                if (!TryReassemble(_responseFragments, datagram, message, out decrypted))
                {
                    return;
                }
            }
            else if (_inbound is null || !IkeMessageProtection.TryUnprotect(_inbound, datagram, message, out decrypted, out SkFailure sk))
            {
                Drop("response failed integrity check");
                return;
            }

            if (!decrypted.CheckRules().IsValid)
            {
                Drop("response breaks the message rules");
                return;
            }
        }
        else if (!MessageRules.Check(message).IsValid && message.GetNotify(NotifyType.Cookie) is null
            && message.GetNotify(NotifyType.InvalidKePayload) is null && message.GetNotify(NotifyType.NoProposalChosen) is null)
        {
            Drop("IKE_SA_INIT response breaks the message rules");
            return;
        }

        _pending = null;
        _nextRequestId++;
        Counters.Received++;
        _lastHeard = _host.Time.GetUtcNow();
        if (p.Exchange != ExchangeType.IkeSaInit)
        {
            FollowPeer(local, remote);
        }

        p.OnResponse(message, decrypted);
        if (_pending is null && State != IkeSaState.Closed && _queuedRequests.TryDequeue(out Action? next))
        {
            next();
        }
    }

    private void HandleRequest(ReadOnlySpan<byte> datagram, IkeMessage message, IPEndPoint local, IPEndPoint remote)
    {
        uint id = message.Header.MessageId;
        if (_lastResponse is not null && id == _peerNextRequestId - 1)
        {
            if (FragmentReassembler.IsFragment(message))
            {
                AnswerRetransmittedFragment(datagram, message, local, remote);
                return;
            }

            // RFC 7296 2.1: a retransmitted request gets the same response again; only for the same bytes, so that
            // nobody can make us send a response to a forged request.
            if (_lastRequestHash is not null && SHA256.HashData(datagram).AsSpan().SequenceEqual(_lastRequestHash))
            {
                Counters.DuplicatesAnswered++;
                TransmitAll(LastResponseDatagrams, local, remote);
            }
            else
            {
                Drop("old message ID");
            }

            return;
        }

        if (id != _peerNextRequestId)
        {
            Drop($"unexpected message ID {id}");
            return;
        }

        if (message.Header.ExchangeType == ExchangeType.IkeSaInit || _inbound is null)
        {
            Drop("IKE_SA_INIT on an existing SA");
            return;
        }

        DecryptedMessage? decrypted;
        if (FragmentReassembler.IsFragment(message))
        {
            // RFC 7383 2.6. A retransmission of this request is recognised by its fragment 1's ICV, not by a hash.
            if (!TryReassemble(_requestFragments, datagram, message, out decrypted))
            {
                return;
            }

            _lastRequestHash = null;
        }
        else if (!IkeMessageProtection.TryUnprotect(_inbound, datagram, message, out decrypted, out _))
        {
            Drop("request failed integrity check");
            return;
        }
        else
        {
            _lastRequestHash = SHA256.HashData(datagram);
        }

        Counters.Received++;
        _lastHeard = _host.Time.GetUtcNow();
        FollowPeer(local, remote);
        MessageCheckResult rules = decrypted.CheckRules();
        switch (message.Header.ExchangeType)
        {
            case ExchangeType.IkeAuth when State == IkeSaState.InitAnswered:
                if (!rules.IsValid)
                {
                    AuthInvalidSyntax = true;
                    RespondProtected(ExchangeType.IkeAuth, [new NotifyPayload(NotifyType.InvalidSyntax)]);
                    Close($"IKE_AUTH request breaks the message rules ({rules.Violation} {rules.PayloadType})");
                    return;
                }

                RespondToAuth(decrypted);
                break;
            case ExchangeType.Informational when State is IkeSaState.Established or IkeSaState.Deleting or IkeSaState.Rekeyed:
                RespondToInformational(decrypted);
                break;
            case ExchangeType.CreateChildSa when State == IkeSaState.Established:
                RespondToCreateChild(decrypted);
                break;
            case ExchangeType.CreateChildSa when State is IkeSaState.Rekeyed or IkeSaState.Deleting:
                // RFC 7296 2.25: this IKE SA is being replaced or deleted.
                RespondProtected(ExchangeType.CreateChildSa, [new NotifyPayload(NotifyType.TemporaryFailure)]);
                break;
            default:
                // Not answered: the next request of the peer keeps this message ID (nothing advanced it here).
                _lastRequestHash = null;
                Counters.Received--;
                Drop($"{message.Header.ExchangeType} request in state {State}");
                break;
        }
    }

    /// <summary>RFC 7296 2.23: with a NAT, answer to where the last authenticated message came from.</summary>
    private void FollowPeer(IPEndPoint local, IPEndPoint remote)
    {
        if (State == IkeSaState.Closed || (RemoteEndPoint.Equals(remote) && LocalEndPoint.Equals(local)))
        {
            return;
        }

        if (UdpEncapsulation || remote.Port == 4500)
        {
            _log.LogInformation("IKE SA {Spi:x16}: peer moved from {Old} to {New}", LocalSpi, RemoteEndPoint, remote);
            RemoteEndPoint = remote;
            LocalEndPoint = local;
            foreach (ChildSa child in _children.Where(c => c.UdpEncapsulated))
            {
                child.RemoteEndPoint = remote;
                child.LocalEndPoint = local;
            }
        }
    }

    private void SendProtectedRequest(ExchangeType exchange, IReadOnlyList<IkePayload> inner, string purpose, Action<IkeMessage, DecryptedMessage?> onResponse)
    {
        if (_pending is not null)
        {
            _queuedRequests.Enqueue(() => SendProtectedRequest(exchange, inner, purpose, onResponse));
            return;
        }

        IkeHeader header = Header(exchange, response: false, _nextRequestId);
        if (!TryProtectOutgoing(header, inner, out IReadOnlyList<byte[]> datagrams, out string? error))
        {
            Close($"cannot protect {purpose} ({error})");
            return;
        }

        _pending = new PendingRequest(datagrams[0], _nextRequestId, exchange, purpose, onResponse, _host.Time.GetUtcNow())
        {
            Fragments = datagrams.Count > 1 ? datagrams : null,
        };
        TransmitAll(datagrams, LocalEndPoint, RemoteEndPoint);
    }

    private void RespondProtected(ExchangeType exchange, IReadOnlyList<IkePayload> inner)
    {
        IkeHeader header = Header(exchange, response: true, _peerNextRequestId);
        if (!TryProtectOutgoing(header, inner, out IReadOnlyList<byte[]> datagrams, out string? error))
        {
            Close($"cannot protect a response ({error})");
            return;
        }

        _peerNextRequestId++;
        _lastResponse = datagrams[0];
        _lastResponseFragments = datagrams.Count > 1 ? datagrams : null;
        TransmitAll(datagrams, LocalEndPoint, RemoteEndPoint);
    }

    private IkeHeader Header(ExchangeType exchange, bool response, uint messageId) =>
        new(InitiatorSpi, ResponderSpi, PayloadType.None, MajorVersion, 0, exchange,
            (Role == IkeRole.Initiator ? IkeHeaderFlags.Initiator : IkeHeaderFlags.None) | (response ? IkeHeaderFlags.Response : IkeHeaderFlags.None),
            messageId, 0);

    private void Transmit(byte[] datagram) => Transmit(datagram, LocalEndPoint, RemoteEndPoint);

    private void Transmit(byte[] datagram, IPEndPoint local, IPEndPoint remote)
    {
        Counters.Sent++;
        _host.Send(this, datagram, local, remote);
    }

    private void Drop(string reason)
    {
        Counters.Dropped++;
        _log.LogDebug("IKE SA {Spi:x16}: dropped a message: {Reason}", LocalSpi, reason);
    }

    private byte[] RandomBytes(int length)
    {
        byte[] bytes = new byte[length];
        _host.FillRandom(bytes);
        return bytes;
    }

    private static ulong NewSpi(IIkeSaHost host)
    {
        Span<byte> b = stackalloc byte[8];
        ulong spi;
        do
        {
            host.FillRandom(b);
            spi = BinaryPrimitives.ReadUInt64BigEndian(b);
        }
        while (spi == 0);
        return spi;
    }

    private void DisposeKeys()
    {
        _keyExchange?.Dispose();
        _keyExchange = null;
        _keys?.Dispose();
        _keys = null;
        _outbound?.Dispose();
        _outbound = null;
        _inbound?.Dispose();
        _inbound = null;
        _requestFragments.Reset();
        _responseFragments.Reset();
        CryptographicOperations.ZeroMemory(_nonceI);
        CryptographicOperations.ZeroMemory(_nonceR);
    }
}
