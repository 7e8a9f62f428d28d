using System.Buffers.Binary;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Ike.Sa;

/// <summary>INFORMATIONAL: DELETE of IKE and CHILD SAs (RFC 7296 1.4.1), liveness checks (2.4), error notifies.</summary>
public sealed partial class IkeSa
{
    /// <summary>Traffic from the peer arrived through one of its CHILD_SAs: proof of life, no liveness check needed.</summary>
    public void NotePeerAlive() => _lastHeard = _host.Time.GetUtcNow();

    /// <summary>Deletes one CHILD_SA pair with the peer (RFC 7296 1.4.1): our inbound SPI in a DELETE; removed when answered.</summary>
    public void DeleteChild(ChildSa child, string reason)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (State != IkeSaState.Established || !_children.Contains(child))
        {
            return;
        }

        byte[] spi = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(spi, child.InboundSpi);
        _log.LogInformation("IKE SA {Spi:x16}: deleting CHILD_SA {Child}: {Reason}", LocalSpi, child, reason);
        SendProtectedRequest(ExchangeType.Informational, [new DeletePayload(ProtocolId.Esp, 4, [spi])], "DELETE of a CHILD_SA",
            (_, _) => RemoveChild(child));
    }

    private void SendLivenessCheck()
    {
        _log.LogDebug("IKE SA {Spi:x16}: liveness check", LocalSpi);
        SendProtectedRequest(ExchangeType.Informational, [], "liveness check", (_, _) => { });
    }

    private void RespondToInformational(DecryptedMessage m)
    {
        if (m.Inner.OfType<DeletePayload>().Any(d => d.ProtocolId == ProtocolId.Ike))
        {
            RespondProtected(ExchangeType.Informational, []);
            SettleIkeRekeyCollision(peerDeletedUs: true);
            Close("peer deleted the IKE SA");
            return;
        }

        var answer = new List<byte[]>();
        foreach (DeletePayload delete in m.Inner.OfType<DeletePayload>().Where(d => d.ProtocolId == ProtocolId.Esp))
        {
            foreach (uint spi in delete.Spis32)
            {
                ChildSa? child = _children.FirstOrDefault(c => c.OutboundSpi == spi);
                if (child is null)
                {
                    continue;
                }

                byte[] ours = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(ours, child.InboundSpi);
                answer.Add(ours);
                _log.LogInformation("IKE SA {Spi:x16}: peer deleted CHILD_SA {Child}", LocalSpi, child);
                RemoveChild(child);
            }
        }

        NotifyPayload? error = m.Inner.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError);
        RespondProtected(ExchangeType.Informational, answer.Count == 0 ? [] : [new DeletePayload(ProtocolId.Esp, 4, answer)]);
        if (error?.NotifyType == NotifyType.AuthenticationFailed)
        {
            Close("peer reported AUTHENTICATION_FAILED");
        }
        else if (error is not null)
        {
            _log.LogWarning("IKE SA {Spi:x16}: peer reported {Error}", LocalSpi, error.NotifyType);
        }
    }

    private void RemoveChild(ChildSa child)
    {
        if (_children.Remove(child))
        {
            if (!child.Dedicated)
            {
                _lastChildSelectors = (child.LocalSelectors, child.RemoteSelectors);
            }

            _collidingRekey.Remove(child);
            _host.OnChildSaDown(this, child);
            child.Dispose();
            foreach (ChildSa successor in _children.Where(c => c.Replaces == child))
            {
                successor.Replaces = null;
                if (!successor.OutboundActive)
                {
                    successor.OutboundActive = true;
                    _host.OnChildSaOutboundActive(this, successor);
                }
            }
        }
    }
}
