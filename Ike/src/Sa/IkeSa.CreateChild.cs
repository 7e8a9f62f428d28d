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
        KeyExchangeMethod pfs = group ?? (KeyExchangeMethod)(Config.EspProposals[0].OfType(TransformType.KeyExchange).FirstOrDefault()?.Id ?? 0);
        IkeKeyExchange? ke = null;
#pragma warning disable CA2000 // Disposed by the using block below, or by the answer handler.
        if (pfs != KeyExchangeMethod.None && !IkeKeyExchange.TryCreate(pfs, out ke))
#pragma warning restore CA2000
        {
            child.RekeyStarted = null;
            return;
        }

        uint spi = _host.AllocateChildSpi();
        byte[] spiBytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(spiBytes, spi);
        byte[] oldSpi = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(oldSpi, child.InboundSpi);
        byte[] nonce = RandomBytes(Config.NonceLength);
        IReadOnlyList<Proposal> proposals = [.. Config.EspProposals.Select(p => p with { Spi = spiBytes })];
        var inner = new List<IkePayload>
        {
            new NotifyPayload(ProtocolId.Esp, NotifyType.RekeySa, oldSpi, []),
            new SaPayload(proposals),
            new NoncePayload(nonce),
        };
        if (ke is not null)
        {
            inner.Add(new KePayload(pfs, ke.PublicValue));
        }

        inner.Add(new TsPayload(true, child.LocalSelectors));
        inner.Add(new TsPayload(false, child.RemoteSelectors));
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

        SaPayload? sa = m.Get<SaPayload>();
        NoncePayload? nr = m.Get<NoncePayload>();
        TsPayload? tsi = m.Inner.OfType<TsPayload>().FirstOrDefault(t => t.Type == PayloadType.TrafficSelectorInitiator);
        TsPayload? tsr = m.Inner.OfType<TsPayload>().FirstOrDefault(t => t.Type == PayloadType.TrafficSelectorResponder);
        if (sa is null || nr is null || tsi is null || tsr is null || sa.Proposals.Count != 1 || sa.Proposals[0].Spi.Length != 4
            || !ProposalSelector.IsValidChoice(sent, sa.Proposals[0]) || !EspAlgorithms.TryFrom(sa.Proposals[0], out EspAlgorithms? esp, out _)
            || !TryPfsSecret(ke, esp.PfsGroup, m.Get<KePayload>(), out byte[] shared))
        {
            _host.ReleaseChildSpi(spi);
            old.RekeyStarted = null;
            _log.LogWarning("IKE SA {Spi:x16}: invalid CREATE_CHILD_SA response for {Child}", LocalSpi, old);
            return;
        }

        ChildSa child = DeriveChild(spi, BinaryPrimitives.ReadUInt32BigEndian(sa.Proposals[0].Spi), esp, weInitiated: true, nonceI, nr.Data, shared,
            tsi.Selectors, tsr.Selectors);
        CryptographicOperations.ZeroMemory(shared);
        child.Replaces = old;
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
            child.OutboundActive = false;
            if (old.RekeyStarted is not null && _pending?.Exchange == ExchangeType.CreateChildSa)
            {
                _collidingRekey[old] = (ni.Data, nr, child);
            }
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
