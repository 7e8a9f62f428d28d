using System.Buffers.Binary;
using System.Security.Cryptography;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Keys.KeyExchange;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Ike.Sa;

/// <summary>
/// A new CHILD_SA on an established IKE SA (RFC 7296 1.3.1), for traffic that has no pair any more: the peer deleted
/// it, it expired without a rekey, or the one of IKE_AUTH was refused. The on-demand path asks for it (an acquire for a
/// peer whose IKE SA is up).
/// </summary>
public sealed partial class IkeSa
{
    private (IReadOnlyList<TrafficSelector> Local, IReadOnlyList<TrafficSelector> Remote)? _lastChildSelectors;

    /// <summary>Whether a CREATE_CHILD_SA for a new pair (<see cref="RequestChild()"/>) waits for its answer.</summary>
    public bool CreatingChild { get; private set; }

    /// <summary>
    /// Starts a CREATE_CHILD_SA for a new pair (RFC 7296 1.3.1: SA, Ni, [KEi], TSi, TSr, no REKEY_SA). The selectors
    /// are those of the first live pair that is not dedicated to a program, else those of the last such pair this IKE
    /// SA had (what the peer accepted before, so a pair the peer deleted is asked for again as it was), else the
    /// configured ones. The pair comes up through <see cref="IIkeSaHost.OnChildSaUp"/>; a refusal or an invalid answer
    /// is reported through <see cref="IIkeSaHost.OnChildSaRefused"/>. True when a request was started or one is
    /// already waiting (<see cref="CreatingChild"/>: never two at once); false when the IKE SA is not established or
    /// the key exchange cannot be created. A request behind another exchange waits for it.
    /// </summary>
    public bool RequestChild() => RequestChild(null, 0);

    private bool RequestChild(KeyExchangeMethod? group, int attempt)
    {
        if (State != IkeSaState.Established)
        {
            return false;
        }

        if (CreatingChild && attempt == 0)
        {
            return true;
        }

        (IReadOnlyList<TrafficSelector> local, IReadOnlyList<TrafficSelector> remote) = NewChildSelectors();
#pragma warning disable CA2000 // Disposed by the answer handler below.
        if (!TryBuildChildRequest(null, local, remote, group, out KeyExchangeMethod pfs, out IkeKeyExchange? ke, out uint spi, out byte[] nonce,
            out IReadOnlyList<Proposal> proposals, out List<IkePayload> inner))
#pragma warning restore CA2000
        {
            CreatingChild = false;
            return false;
        }

        CreatingChild = true;
        _log.LogInformation("IKE SA {Spi:x16}: creating a CHILD_SA{Pfs}", LocalSpi, ke is null ? string.Empty : $" with PFS ({pfs})");
        SendProtectedRequest(ExchangeType.CreateChildSa, inner, "CREATE_CHILD_SA (new pair)", (_, m) =>
        {
            try
            {
                OnNewChildResponse(spi, nonce, proposals, ke, attempt, m!);
            }
            finally
            {
                ke?.Dispose();
            }
        });
        return true;
    }

    private (IReadOnlyList<TrafficSelector> Local, IReadOnlyList<TrafficSelector> Remote) NewChildSelectors()
    {
        if (_children.FirstOrDefault(c => !c.Superseded && !c.Dedicated) is { } live)
        {
            return (live.LocalSelectors, live.RemoteSelectors);
        }

        return _lastChildSelectors ?? (Config.RequestVirtualIp ? [IkeSaConfig.AnyIpv4] : Config.LocalTrafficSelectors, Config.RemoteTrafficSelectors);
    }

    private void OnNewChildResponse(uint spi, byte[] nonceI, IReadOnlyList<Proposal> sent, IkeKeyExchange? ke, int attempt, DecryptedMessage m)
    {
        CreatingChild = false;
        if (m.Inner.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } error)
        {
            _host.ReleaseChildSpi(spi);
            if (attempt < MaxKeRetries && InvalidKePayload.TryReadOffered(error, Config.EspProposals, out KeyExchangeMethod wanted) && RequestChild(wanted, attempt + 1))
            {
                return;
            }

            _log.LogWarning("IKE SA {Spi:x16}: peer refused the new CHILD_SA: {Error}", LocalSpi, error.NotifyType);
            _host.OnChildSaRefused(this, $"peer refused the CHILD_SA: {error.NotifyType}");
            return;
        }

        if (!TryReadChildResponse(ke, sent, m, out Proposal? chosen, out EspAlgorithms? esp, out NoncePayload? nr, out TsPayload? tsi,
            out TsPayload? tsr, out byte[] shared))
        {
            _host.ReleaseChildSpi(spi);
            _log.LogWarning("IKE SA {Spi:x16}: invalid CREATE_CHILD_SA response for the new CHILD_SA", LocalSpi);
            _host.OnChildSaRefused(this, "invalid CREATE_CHILD_SA response");
            return;
        }

        ChildSa child = DeriveChild(spi, BinaryPrimitives.ReadUInt32BigEndian(chosen.Spi), esp, weInitiated: true, nonceI, nr.Data, shared,
            tsi.Selectors, tsr.Selectors);
        CryptographicOperations.ZeroMemory(shared);
        _children.Add(child);
        _host.OnChildSaUp(this, child);
        _log.LogInformation("IKE SA {Spi:x16}: CHILD_SA {Child} is up", LocalSpi, child);
    }
}
