using System.Buffers.Binary;
using System.Security.Cryptography;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Keys.KeyExchange;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Ike.Sa;

/// <summary>
/// Rekeying the IKE SA (RFC 7296 1.3.2, 2.18): a CREATE_CHILD_SA on the old SA makes a new one with fresh SPIs, nonces
/// and key exchange; SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr); the CHILD_SAs move over and the rekey's
/// initiator deletes the old SA. The rekey's initiator is the new SA's original initiator.
/// <para>
/// Simultaneous rekeys (RFC 7296 2.8.2): a peer's IKE SA rekey that arrives while ours is outstanding is answered
/// normally; its new SA is registered with the host (so messages on it are routed) but gets the CHILD_SAs only once the
/// collision is resolved. When our answer arrives there are two new SAs; the one made with the lowest of the four
/// nonces is redundant and is deleted by the side that initiated its exchange; the side that initiated the surviving
/// one deletes the old SA. If our rekey is refused instead (a peer that yields), the peer's new SA simply wins.
/// </para>
/// </summary>
public sealed partial class IkeSa
{
    private static readonly TimeSpan s_rekeyRetry = TimeSpan.FromMinutes(1);
    private DateTimeOffset? _ikeRekeyStarted;
    private (IkeSa Sa, byte[] PeerNonceI, byte[] OurNonceR)? _collidingIkeRekey;

    /// <summary>The SA that replaced this one by a rekey, if any.</summary>
    public IkeSa? Replacement { get; private set; }

    /// <summary>Starts a rekey of this IKE SA.</summary>
    public void RekeyIkeSa(KeyExchangeMethod? group = null, int attempt = 0)
    {
        if (State != IkeSaState.Established || (_ikeRekeyStarted is not null && attempt == 0))
        {
            return;
        }

        _ikeRekeyStarted = _host.Time.GetUtcNow();
        KeyExchangeMethod g = group ?? Algorithms!.Group;
#pragma warning disable CA2000 // Disposed when the answer has been handled, or by the closure when the SA closes first.
        if (!IkeKeyExchange.TryCreate(g, out IkeKeyExchange? ke))
#pragma warning restore CA2000
        {
            return;
        }

        ulong newSpiI = NewSpi(_host);
        byte[] spi = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(spi, newSpiI);
        byte[] nonce = RandomBytes(Config.NonceLength);
        IReadOnlyList<Proposal> proposals = [.. Config.IkeProposals.Select(p => p with { Spi = spi })];
        _log.LogInformation("IKE SA {Spi:x16}: rekeying the IKE SA", LocalSpi);
        SendProtectedRequest(ExchangeType.CreateChildSa, [new SaPayload(proposals), new NoncePayload(nonce), new KePayload(g, ke.PublicValue)],
            "CREATE_CHILD_SA (IKE rekey)", (_, m) =>
            {
                using (ke)
                {
                    OnIkeRekeyResponse(newSpiI, nonce, proposals, ke, attempt, m!);
                }
            });
    }

    private void OnIkeRekeyResponse(ulong newSpiI, byte[] nonceI, IReadOnlyList<Proposal> sent, IkeKeyExchange ke, int attempt, DecryptedMessage m)
    {
        if (m.Inner.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } error)
        {
            if (_collidingIkeRekey is { } theirs && theirs.Sa.State == IkeSaState.Established)
            {
                // RFC 7296 2.8.2: the peer refused ours but its own rekey went through; its new SA wins and it deletes
                // this one.
                _collidingIkeRekey = null;
                _log.LogInformation("IKE SA {Spi:x16}: peer refused our IKE SA rekey ({Error}) but rekeyed it itself", LocalSpi, error.NotifyType);
                HandOver(theirs.Sa, registered: true);
                return;
            }

            if (attempt < MaxKeRetries && InvalidKePayload.TryReadOffered(error, Config.IkeProposals, out KeyExchangeMethod wanted))
            {
                _ikeRekeyStarted = null;
                RekeyIkeSa(wanted, attempt + 1);
                return;
            }

            // Try again in a minute (RFC 7296 2.25: TEMPORARY_FAILURE means "later").
            _ikeRekeyStarted = _host.Time.GetUtcNow() - Config.IkeRekeyAfter + s_rekeyRetry;
            _log.LogWarning("IKE SA {Spi:x16}: peer refused the IKE SA rekey: {Error}", LocalSpi, error.NotifyType);
            return;
        }

        SaPayload? sa = m.Get<SaPayload>();
        NoncePayload? nr = m.Get<NoncePayload>();
        KePayload? ker = m.Get<KePayload>();
        if (sa is null || nr is null || ker is null || sa.Proposals.Count != 1 || sa.Proposals[0].Spi.Length != 8
            || !ProposalSelector.IsValidChoice(sent, sa.Proposals[0]) || !IkeAlgorithms.TryFrom(sa.Proposals[0], out IkeAlgorithms? algorithms, out _)
            || ker.Group != ke.Method || algorithms.Group != ke.Method || !ke.TryComputeSharedSecret(ker.KeyExchangeData, out byte[]? shared, out _))
        {
            Delete("invalid answer to the IKE SA rekey");
            return;
        }

        ulong newSpiR = BinaryPrimitives.ReadUInt64BigEndian(sa.Proposals[0].Spi);
        IkeSa replacement = CreateRekeyed(IkeRole.Initiator, newSpiI, newSpiR, algorithms, nonceI, nr.Data, shared);
        CryptographicOperations.ZeroMemory(shared);
        if (_collidingIkeRekey is { } collision)
        {
            _collidingIkeRekey = null;
            ResolveIkeRekeyCollision(replacement, nonceI, nr.Data, collision.Sa, collision.PeerNonceI, collision.OurNonceR);
            return;
        }

        HandOver(replacement);
        Delete("rekeyed");
    }

    /// <summary>
    /// RFC 7296 2.8.2: two new SAs from simultaneous rekeys. The one made with the lowest of the four nonces is
    /// redundant and is deleted by its exchange's initiator; the initiator of the survivor deletes the old SA.
    /// </summary>
    private void ResolveIkeRekeyCollision(IkeSa ours, byte[] ourNonceI, byte[] peerNonceR, IkeSa theirs, byte[] peerNonceI, byte[] ourNonceR)
    {
        byte[] lowest = new[] { ourNonceI, peerNonceR, peerNonceI, ourNonceR }.Min(ByteOrder.Instance)!;
        bool oursRedundant = ReferenceEquals(lowest, ourNonceI) || ReferenceEquals(lowest, peerNonceR);
        if (oursRedundant && theirs.State == IkeSaState.Established)
        {
            _log.LogInformation("IKE SA {Spi:x16}: IKE SA rekey collision; ours ({Ours:x16}) is redundant, the peer's ({Theirs:x16}) stays",
                LocalSpi, ours.LocalSpi, theirs.LocalSpi);
            _host.OnRekeyed(this, ours);
            ours.Delete("redundant after an IKE SA rekey collision (RFC 7296 2.8.2)");

            // The peer initiated the survivor, so the peer deletes this SA.
            HandOver(theirs, registered: true);
            return;
        }

        _log.LogInformation("IKE SA {Spi:x16}: IKE SA rekey collision; ours ({Ours:x16}) stays, the peer deletes its {Theirs:x16}",
            LocalSpi, ours.LocalSpi, theirs.LocalSpi);
        HandOver(ours);
        Delete("rekeyed");
    }

    private void RespondToIkeRekey(DecryptedMessage m, SaPayload sa, NoncePayload ni)
    {
        bool colliding = _ikeRekeyStarted is not null && _pending?.Purpose == "CREATE_CHILD_SA (IKE rekey)";
        if (colliding && _collidingIkeRekey is not null)
        {
            // A second rekey from the peer while the first collision is open: one is enough.
            RespondProtected(ExchangeType.CreateChildSa, [new NotifyPayload(NotifyType.TemporaryFailure)]);
            return;
        }

        KePayload? kei = m.Get<KePayload>();
        if (!ProposalSelector.TrySelect(sa.Proposals, Config.IkeProposals, ProtocolId.Ike, out Proposal chosen)
            || chosen.Spi.Length != 8 || !IkeAlgorithms.TryFrom(chosen, out IkeAlgorithms? algorithms, out _))
        {
            RespondProtected(ExchangeType.CreateChildSa, [new NotifyPayload(NotifyType.NoProposalChosen)]);
            return;
        }

        if (kei is null || kei.Group != algorithms.Group)
        {
            RespondProtected(ExchangeType.CreateChildSa, [InvalidKePayload.Create(algorithms.Group)]);
            return;
        }

#pragma warning disable CA2000 // Disposed by the using block below, or by the answer handler.
        if (!IkeKeyExchange.TryCreate(algorithms.Group, out IkeKeyExchange? ke))
#pragma warning restore CA2000
        {
            RespondProtected(ExchangeType.CreateChildSa, [new NotifyPayload(NotifyType.NoProposalChosen)]);
            return;
        }

        using (ke)
        {
            if (!ke.TryComputeSharedSecret(kei.KeyExchangeData, out byte[]? shared, out _))
            {
                RespondProtected(ExchangeType.CreateChildSa, [new NotifyPayload(NotifyType.InvalidSyntax)]);
                return;
            }

            ulong newSpiI = BinaryPrimitives.ReadUInt64BigEndian(chosen.Spi);
            ulong newSpiR = NewSpi(_host);
            byte[] nr = RandomBytes(Config.NonceLength);
            IkeSa replacement = CreateRekeyed(IkeRole.Responder, newSpiI, newSpiR, algorithms, ni.Data, nr, shared);
            CryptographicOperations.ZeroMemory(shared);
            byte[] spi = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(spi, newSpiR);
            RespondProtected(ExchangeType.CreateChildSa, [new SaPayload([chosen with { Spi = spi }]), new NoncePayload(nr), new KePayload(algorithms.Group, ke.PublicValue)]);
            if (colliding)
            {
                // RFC 7296 2.8.2: both sides rekey at once; decided when the answer to ours arrives.
                _collidingIkeRekey = (replacement, ni.Data, nr);
                _log.LogInformation("IKE SA {Spi:x16}: the peer rekeys the IKE SA while we do; {New:x16} waits for our answer", LocalSpi, replacement.LocalSpi);
                _host.OnRekeyed(this, replacement);
                return;
            }

            HandOver(replacement);
        }
    }

    /// <summary>
    /// The SA is closing with a peer's rekey still unresolved (our request never got an answer, or the peer deleted
    /// this SA first): the peer's new SA carries on if the peer deleted us, else it goes too.
    /// </summary>
    private void SettleIkeRekeyCollision(bool peerDeletedUs)
    {
        if (_collidingIkeRekey is not { } theirs)
        {
            return;
        }

        _collidingIkeRekey = null;
        if (peerDeletedUs && theirs.Sa.State == IkeSaState.Established && Replacement is null)
        {
            HandOver(theirs.Sa, registered: true);
        }
        else if (theirs.Sa.State == IkeSaState.Established && Replacement != theirs.Sa)
        {
            theirs.Sa.Delete("its IKE SA rekey collision did not resolve");
        }
    }

    private IkeSa CreateRekeyed(IkeRole role, ulong spiI, ulong spiR, IkeAlgorithms algorithms, byte[] nonceI, byte[] nonceR, byte[] shared)
    {
        var n = new IkeSa(Config, _host, role, spiI, spiR, LocalEndPoint, RemoteEndPoint, _log);
        byte[] skeyseed = IkeSaKeys.ComputeRekeySkeyseed(Algorithms!.Prf, _keys!.SkD, shared, nonceI, nonceR);
        try
        {
            n._keys = IkeSaKeys.Derive(algorithms.Prf, skeyseed, nonceI, nonceR, spiI, spiR, algorithms.Cipher.EncryptionKeySize, algorithms.Cipher.IntegrityKeyLength);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(skeyseed);
        }

        n._outbound = SkProtector.Create(algorithms.Cipher, n._keys, fromInitiator: role == IkeRole.Initiator);
        n._inbound = SkProtector.Create(algorithms.Cipher, n._keys, fromInitiator: role != IkeRole.Initiator);
        n._nonceI = nonceI;
        n._nonceR = nonceR;
        n.Algorithms = algorithms;
        n.PeerIdentity = PeerIdentity;
        n.NatLocal = NatLocal;
        n.NatRemote = NatRemote;
        n.VirtualIps = VirtualIps;
        n.DnsServers = DnsServers;
        n._peerAnnouncedFragmentation = _peerAnnouncedFragmentation; // announced only in IKE_SA_INIT (RFC 7383 2.3); the new IKE SA keeps it, as strongSwan's does
        n.State = IkeSaState.Established;
        n.EstablishedAt = _host.Time.GetUtcNow();
        return n;
    }

    private void HandOver(IkeSa replacement, bool registered = false)
    {
        replacement._leased = _leased; // the lease moves with the children, never to a redundant SA
        replacement._leased6 = _leased6;
        replacement._children.AddRange(_children);
        replacement._lastChildSelectors = _lastChildSelectors;
        _children.Clear();
        _collidingRekey.Clear();
        Replacement = replacement;
        State = IkeSaState.Rekeyed;
        _log.LogInformation("IKE SA {Old:x16} rekeyed into {New:x16} ({Algorithms})", LocalSpi, replacement.LocalSpi, replacement.Algorithms);
        if (!registered)
        {
            _host.OnRekeyed(this, replacement);
        }
    }
}
