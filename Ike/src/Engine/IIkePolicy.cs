using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Ike.Sa;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Ike.Engine;

/// <summary>The SPD's part in IKE (RFC 4301 4.4.3, RFC 7296 2.9): admission of authenticated peers and selector narrowing.</summary>
public interface IIkePolicy
{
    /// <summary>May this peer have an SA at all? <paramref name="reason"/> says why not.</summary>
    bool AdmitPeer(IkeSa sa, PeerIdentity peer, out string reason);

    /// <summary>Responder: the selectors the policy allows for this peer, or false for TS_UNACCEPTABLE.</summary>
    bool TryNarrow(IkeSa sa, IReadOnlyList<TrafficSelector> tsi, IReadOnlyList<TrafficSelector> tsr,
        out IReadOnlyList<TrafficSelector> narrowedTsi, out IReadOnlyList<TrafficSelector> narrowedTsr);
}
