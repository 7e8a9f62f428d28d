using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
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
/// CREATE_CHILD_SA (RFC 7296 1.3): rekeying a CHILD_SA with and without PFS (1.3.3, 2.8), rekey collisions (2.8.1),
/// and rekeying the IKE SA itself (1.3.2, 2.18), both as initiator and as responder.
/// </summary>
public sealed partial class IkeSa
{
    private const int MaxKeRetries = 2;
    private readonly Dictionary<ChildSa, (byte[] PeerNonceI, byte[] OurNonceR, ChildSa Theirs)> _collidingRekey = [];

    /// <summary>Starts a rekey of <paramref name="child"/> (also called when its ESP lifetime runs out).</summary>
    public void RekeyChild(ChildSa child, KeyExchangeMethod? group = null, int attempt = 0)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (State != IkeSaState.Established || !_children.Contains(child) || child.Superseded || (child.RekeyStarted is not null && attempt == 0))
        {
            return;
        }

        child.RekeyStarted = _host.Time.GetUtcNow();
        byte[] oldSpi = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(oldSpi, child.InboundSpi);
        NotifyPayload rekeySa = new(ProtocolId.Esp, NotifyType.RekeySa, oldSpi, []);
#pragma warning disable CA2000 // Disposed by the answer handler below.
        if (!TryBuildChildRequest(rekeySa, child.LocalSelectors, child.RemoteSelectors, group, out KeyExchangeMethod pfs, out IkeKeyExchange? ke, out uint spi, out byte[] nonce,
            out IReadOnlyList<Proposal> proposals, out List<IkePayload> inner))
#pragma warning restore CA2000
        {
            child.RekeyStarted = null;
            return;
        }

        _log.LogInformation("IKE SA {Spi:x16}: rekeying CHILD_SA {Child}{Pfs}", LocalSpi, child, ke is null ? string.Empty : $" with PFS ({pfs})");
        SendProtectedRequest(ExchangeType.CreateChildSa, inner, "CREATE_CHILD_SA (rekey)", (_, m) =>
        {
            try
            {
                OnChildRekeyResponse(child, spi, nonce, proposals, ke, attempt, m!);
            }
            finally
            {
                ke?.Dispose();
            }
        });
    }

    private void OnChildRekeyResponse(ChildSa old, uint spi, byte[] nonceI, IReadOnlyList<Proposal> sent, IkeKeyExchange? ke, int attempt, DecryptedMessage m)
    {
        if (m.Inner.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } error)
        {
            _host.ReleaseChildSpi(spi);
            old.RekeyStarted = null;
            if (attempt < MaxKeRetries && InvalidKePayload.TryReadOffered(error, Config.EspProposals, out KeyExchangeMethod wanted))
            {
                RekeyChild(old, wanted, attempt + 1);
                return;
            }

            _log.LogWarning("IKE SA {Spi:x16}: peer refused the rekey of {Child}: {Error}", LocalSpi, old, error.NotifyType);
            return;
        }

        if (!TryReadChildResponse(ke, sent, m, out Proposal? chosen, out EspAlgorithms? esp, out NoncePayload? nr, out TsPayload? tsi,
            out TsPayload? tsr, out byte[] shared))
        {
            _host.ReleaseChildSpi(spi);
            old.RekeyStarted = null;
            _log.LogWarning("IKE SA {Spi:x16}: invalid CREATE_CHILD_SA response for {Child}", LocalSpi, old);
            return;
        }

        ChildSa child = DeriveChild(spi, BinaryPrimitives.ReadUInt32BigEndian(chosen.Spi), esp, weInitiated: true, nonceI, nr.Data, shared,
            tsi.Selectors, tsr.Selectors);
        CryptographicOperations.ZeroMemory(shared);
        child.Replaces = old;
        child.Dedicated = old.Dedicated;
        child.Owner = old.Owner;
        _children.Add(child);
        _host.OnChildSaUp(this, child);

        // RFC 7296 2.8.1: if the peer rekeyed the same pair at the same time, the exchange with the lowest nonce is
        // redundant and its initiator deletes the pair it created.
        if (_collidingRekey.TryGetValue(old, out (byte[] PeerNonceI, byte[] OurNonceR, ChildSa Theirs) collision))
        {
            _collidingRekey.Remove(old);
            byte[] lowest = new[] { nonceI, nr.Data, collision.PeerNonceI, collision.OurNonceR }.Min(ByteOrder.Instance)!;
            if (ReferenceEquals(lowest, nonceI) || ReferenceEquals(lowest, nr.Data))
            {
                _log.LogInformation("IKE SA {Spi:x16}: rekey collision on {Child}; ours is redundant, deleting {New}", LocalSpi, old, child);
                DeleteChild(child, "redundant after a rekey collision (RFC 7296 2.8.1)");
                return;
            }
        }

        old.Superseded = true;
        DeleteChild(old, "rekeyed");
    }

    /// <summary>
    /// Starts a new CHILD_SA pair beside the existing ones (RFC 7296 1.3.1) for one local program's traffic
    /// (per-process keying): the selectors of the first live pair, which the peer already accepted (several pairs with
    /// identical selectors are legal, RFC 7296 2.9), and <see cref="NotifyType.IpsecFwDedicatedChildSa"/> so that an
    /// IpsecFw peer does not route its other traffic onto it. The pair comes up through <see cref="IIkeSaHost.OnChildSaUp"/>
    /// with <see cref="ChildSa.Dedicated"/> set and <see cref="ChildSa.Owner"/> = <paramref name="owner"/>. False when
    /// the IKE SA cannot start it (not established, or no pair to copy the selectors from); a request behind another
    /// exchange waits for it.
    /// </summary>
    public bool CreateDedicatedChild(string owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ChildSa? template = _children.FirstOrDefault(c => !c.Superseded && !c.Dedicated) ?? _children.FirstOrDefault(c => !c.Superseded);
        if (State != IkeSaState.Established || template is null)
        {
            return false;
        }

        NotifyPayload mark = new(NotifyType.IpsecFwDedicatedChildSa);
#pragma warning disable CA2000 // Disposed by the answer handler below.
        if (!TryBuildChildRequest(mark, template.LocalSelectors, template.RemoteSelectors, null, out KeyExchangeMethod pfs, out IkeKeyExchange? ke, out uint spi, out byte[] nonce,
            out IReadOnlyList<Proposal> proposals, out List<IkePayload> inner))
#pragma warning restore CA2000
        {
            return false;
        }

        _log.LogInformation("IKE SA {Spi:x16}: creating a dedicated CHILD_SA for {Owner}{Pfs}", LocalSpi, owner, ke is null ? string.Empty : $" with PFS ({pfs})");
        SendProtectedRequest(ExchangeType.CreateChildSa, inner, "CREATE_CHILD_SA (dedicated)", (_, m) =>
        {
            try
            {
                OnDedicatedChildResponse(owner, spi, nonce, proposals, ke, m!);
            }
            finally
            {
                ke?.Dispose();
            }
        });
        return true;
    }

    private void OnDedicatedChildResponse(string owner, uint spi, byte[] nonceI, IReadOnlyList<Proposal> sent, IkeKeyExchange? ke, DecryptedMessage m)
    {
        if (m.Inner.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } error)
        {
            _host.ReleaseChildSpi(spi);
            _log.LogWarning("IKE SA {Spi:x16}: peer refused the dedicated CHILD_SA for {Owner}: {Error}", LocalSpi, owner, error.NotifyType);
            return;
        }

        if (!TryReadChildResponse(ke, sent, m, out Proposal? chosen, out EspAlgorithms? esp, out NoncePayload? nr, out TsPayload? tsi,
            out TsPayload? tsr, out byte[] shared))
        {
            _host.ReleaseChildSpi(spi);
            _log.LogWarning("IKE SA {Spi:x16}: invalid CREATE_CHILD_SA response for the dedicated CHILD_SA of {Owner}", LocalSpi, owner);
            return;
        }

        ChildSa child = DeriveChild(spi, BinaryPrimitives.ReadUInt32BigEndian(chosen.Spi), esp, weInitiated: true, nonceI, nr.Data, shared,
            tsi.Selectors, tsr.Selectors);
        CryptographicOperations.ZeroMemory(shared);
        child.Dedicated = true;
        child.Owner = owner;
        _children.Add(child);
        _host.OnChildSaUp(this, child);
        _log.LogInformation("IKE SA {Spi:x16}: dedicated CHILD_SA {Child} for {Owner} is up", LocalSpi, child, owner);
    }

    /// <summary>
    /// The request of a CREATE_CHILD_SA for a pair (RFC 7296 1.3.1, 1.3.3): <paramref name="first"/> (REKEY_SA or our
    /// mark; none for a plain new pair), SA with a fresh inbound SPI, Ni, KE when the first ESP proposal asks for PFS,
    /// and the selectors <paramref name="local"/> (TSi) and <paramref name="remote"/> (TSr). False when the key
    /// exchange cannot be created; the SPI is allocated only on success.
    /// </summary>
    private bool TryBuildChildRequest(NotifyPayload? first, IReadOnlyList<TrafficSelector> local, IReadOnlyList<TrafficSelector> remote,
        KeyExchangeMethod? group, out KeyExchangeMethod pfs,
        out IkeKeyExchange? ke, out uint spi, out byte[] nonce, out IReadOnlyList<Proposal> proposals, out List<IkePayload> inner)
    {
        pfs = group ?? (KeyExchangeMethod)(Config.EspProposals[0].OfType(TransformType.KeyExchange).FirstOrDefault()?.Id ?? 0);
        ke = null;
        spi = 0;
        nonce = [];
        proposals = [];
        inner = [];
#pragma warning disable CA2000 // Disposed by the caller's answer handler.
        if (pfs != KeyExchangeMethod.None && !IkeKeyExchange.TryCreate(pfs, out ke))
#pragma warning restore CA2000
        {
            return false;
        }

        spi = _host.AllocateChildSpi();
        byte[] spiBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(spiBytes, spi);
        nonce = RandomBytes(Config.NonceLength);
        proposals = [.. Config.EspProposals.Select(p => p with { Spi = spiBytes })];
        inner = first is null ? [new SaPayload(proposals), new NoncePayload(nonce)] : [first, new SaPayload(proposals), new NoncePayload(nonce)];
        if (ke is not null)
        {
            inner.Add(new KePayload(pfs, ke.PublicValue));
        }

        inner.Add(new TsPayload(true, local));
        inner.Add(new TsPayload(false, remote));
        return true;
    }

    /// <summary>The answer to a CHILD_SA request: one valid choice among <paramref name="sent"/>, Nr, both TS and the PFS secret.</summary>
    private bool TryReadChildResponse(IkeKeyExchange? ke, IReadOnlyList<Proposal> sent, DecryptedMessage m,
        [NotNullWhen(true)] out Proposal? chosen, [NotNullWhen(true)] out EspAlgorithms? esp, [NotNullWhen(true)] out NoncePayload? nr,
        [NotNullWhen(true)] out TsPayload? tsi, [NotNullWhen(true)] out TsPayload? tsr, out byte[] shared)
    {
        chosen = null;
        esp = null;
        shared = [];
        SaPayload? sa = m.Get<SaPayload>();
        nr = m.Get<NoncePayload>();
        tsi = m.Inner.OfType<TsPayload>().FirstOrDefault(t => t.Type == PayloadType.TrafficSelectorInitiator);
        tsr = m.Inner.OfType<TsPayload>().FirstOrDefault(t => t.Type == PayloadType.TrafficSelectorResponder);
        if (sa is null || nr is null || tsi is null || tsr is null || sa.Proposals.Count != 1 || sa.Proposals[0].Spi.Length != 4
            || !ProposalSelector.IsValidChoice(sent, sa.Proposals[0]) || !EspAlgorithms.TryFrom(sa.Proposals[0], out esp, out _)
            || !TryPfsSecret(ke, esp.PfsGroup, m.Get<KePayload>(), out shared))
        {
            return false;
        }

        chosen = sa.Proposals[0];
        return true;
    }

    private void RespondToCreateChild(DecryptedMessage m)
    {
        SaPayload? sa = m.Get<SaPayload>();
        NoncePayload? ni = m.Get<NoncePayload>();
        if (sa is null || ni is null || ni.Data.Length is < 16 or > 256)
        {
            RespondProtected(ExchangeType.CreateChildSa, [new NotifyPayload(NotifyType.InvalidSyntax)]);
            return;
        }

        if (sa.Proposals.Any(p => p.ProtocolId == ProtocolId.Ike))
        {
            RespondToIkeRekey(m, sa, ni);
            return;
        }

        NotifyPayload? rekey = m.Inner.OfType<NotifyPayload>().FirstOrDefault(n => n.NotifyType == NotifyType.RekeySa);
        ChildSa? old = null;
        if (rekey is not null)
        {
            uint oldSpi = rekey.Spi.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(rekey.Spi) : 0;
            old = _children.FirstOrDefault(c => c.OutboundSpi == oldSpi);
            if (old is null)
            {
                RespondProtected(ExchangeType.CreateChildSa, [new NotifyPayload(ProtocolId.Esp, NotifyType.ChildSaNotFound, rekey.Spi, [])]);
                return;
            }
        }

        TsPayload? tsi = m.Inner.OfType<TsPayload>().FirstOrDefault(t => t.Type == PayloadType.TrafficSelectorInitiator);
        TsPayload? tsr = m.Inner.OfType<TsPayload>().FirstOrDefault(t => t.Type == PayloadType.TrafficSelectorResponder);
        if (tsi is null || tsr is null)
        {
            RespondProtected(ExchangeType.CreateChildSa, [new NotifyPayload(NotifyType.InvalidSyntax)]);
            return;
        }

        if (!ProposalSelector.TrySelect(sa.Proposals, Config.EspProposals, ProtocolId.Esp, out Proposal chosen)
            || chosen.Spi.Length != 4 || !EspAlgorithms.TryFrom(chosen, out EspAlgorithms? esp, out _))
        {
            RespondProtected(ExchangeType.CreateChildSa, [new NotifyPayload(NotifyType.NoProposalChosen)]);
            return;
        }

        KePayload? kei = m.Get<KePayload>();
        if (esp.PfsGroup != KeyExchangeMethod.None && kei?.Group != esp.PfsGroup)
        {
            RespondProtected(ExchangeType.CreateChildSa, [InvalidKePayload.Create(esp.PfsGroup)]);
            return;
        }

        if (!_host.TryNarrow(this, tsi.Selectors, tsr.Selectors, out IReadOnlyList<TrafficSelector> narrowedI, out IReadOnlyList<TrafficSelector> narrowedR))
        {
            RespondProtected(ExchangeType.CreateChildSa, [new NotifyPayload(NotifyType.TsUnacceptable)]);
            return;
        }

        byte[] nr = RandomBytes(Config.NonceLength);
        byte[] shared = [];
        KePayload? ker = null;
        if (esp.PfsGroup != KeyExchangeMethod.None)
        {
#pragma warning disable CA2000 // Disposed by the using block below, or by the answer handler.
            if (!IkeKeyExchange.TryCreate(esp.PfsGroup, out IkeKeyExchange? ke))
#pragma warning restore CA2000
            {
                RespondProtected(ExchangeType.CreateChildSa, [new NotifyPayload(NotifyType.NoProposalChosen)]);
                return;
            }

            using (ke)
            {
                if (!ke.TryComputeSharedSecret(kei!.KeyExchangeData, out byte[]? secret, out _))
                {
                    RespondProtected(ExchangeType.CreateChildSa, [new NotifyPayload(NotifyType.InvalidSyntax)]);
                    return;
                }

                shared = secret;
                ker = new KePayload(esp.PfsGroup, ke.PublicValue);
            }
        }

        uint spi = _host.AllocateChildSpi();
        ChildSa child = DeriveChild(spi, BinaryPrimitives.ReadUInt32BigEndian(chosen.Spi), esp, weInitiated: false, ni.Data, nr, shared, narrowedR, narrowedI);
        CryptographicOperations.ZeroMemory(shared);
        byte[] spiBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(spiBytes, spi);
        var inner = new List<IkePayload> { new SaPayload([chosen with { Spi = spiBytes }]), new NoncePayload(nr) };
        if (ker is not null)
        {
            inner.Add(ker);
        }

        inner.Add(new TsPayload(true, narrowedI));
        inner.Add(new TsPayload(false, narrowedR));
        if (old is not null)
        {
            // Make before break: inbound now, outbound once the initiator deletes the old pair.
            child.Replaces = old;
            child.Dedicated = old.Dedicated;
            child.Owner = old.Owner;
            child.OutboundActive = false;
            if (old.RekeyStarted is not null && _pending?.Exchange == ExchangeType.CreateChildSa)
            {
                _collidingRekey[old] = (ni.Data, nr, child);
            }
        }

        else if (m.Inner.OfType<NotifyPayload>().Any(n => n.NotifyType == NotifyType.IpsecFwDedicatedChildSa))
        {
            child.Dedicated = true;
        }

        _children.Add(child);
        _host.OnChildSaUp(this, child);
        _log.LogInformation("IKE SA {Spi:x16}: CHILD_SA {Child} created by the peer{Rekey}", LocalSpi, child, old is null ? string.Empty : $" (rekey of {old})");
        RespondProtected(ExchangeType.CreateChildSa, inner);
    }

    private bool TryPfsSecret(IkeKeyExchange? ke, KeyExchangeMethod chosenGroup, KePayload? ker, out byte[] shared)
    {
        shared = [];
        if (ke is null)
        {
            return chosenGroup == KeyExchangeMethod.None && ker is null;
        }

        if (ker is null || ker.Group != ke.Method || chosenGroup != ke.Method || !ke.TryComputeSharedSecret(ker.KeyExchangeData, out byte[]? secret, out _))
        {
            return false;
        }

        shared = secret;
        return true;
    }

    private ChildSa DeriveChild(uint inboundSpi, uint outboundSpi, EspAlgorithms esp, bool weInitiated, byte[] nonceI, byte[] nonceR, byte[] shared,
        IReadOnlyList<TrafficSelector> local, IReadOnlyList<TrafficSelector> remote)
    {
        // RFC 7296 2.17: KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr) with this exchange's nonces.
        ChildSaKeys keys = ChildSaKeys.Derive(Algorithms!.Prf, _keys!.SkD, nonceI, nonceR, shared, esp.KeySize, 0);
        return new ChildSa(inboundSpi, outboundSpi, esp, keys, weInitiated, local, remote, _host.Time.GetUtcNow())
        {
            UdpEncapsulated = UdpEncapsulation,
            LocalEndPoint = LocalEndPoint,
            RemoteEndPoint = RemoteEndPoint,
        };
    }

    /// <summary>Nonces compared as unsigned big-endian strings of bytes, shorter first on a common prefix (RFC 7296 2.8.1).</summary>
    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
