using System.Net;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Ike.Sa;

/// <summary>
/// What an <see cref="IkeSa"/> needs from the world around it: a clock, randomness, a way to send, SPIs, the SPD's
/// judgement, and somewhere to report. The SA itself does no I/O, which is what lets tests step two SAs packet by
/// packet. Calls come on the thread that drives the SA.
/// </summary>
public interface IIkeSaHost
{
    /// <summary>The clock.</summary>
    TimeProvider Time { get; }

    /// <summary>Fills <paramref name="destination"/> with random bytes (nonces, SPIs).</summary>
    void FillRandom(Span<byte> destination);

    /// <summary>Sends one IKE message; port 4500 means the transport prefixes the non-ESP marker (RFC 3948 2.2).</summary>
    void Send(IkeSa sa, byte[] message, IPEndPoint local, IPEndPoint remote);

    /// <summary>A fresh inbound ESP SPI, unique on this host, never 0..255 (RFC 4303 2.1).</summary>
    uint AllocateChildSpi();

    /// <summary>Gives back an SPI that was allocated but not used.</summary>
    void ReleaseChildSpi(uint spi);

    /// <summary>
    /// The SPD's judgement at IKE_AUTH (RFC 4301 4.4.3): may this authenticated peer have an SA at all? A refusal is
    /// answered with AUTHENTICATION_FAILED; <paramref name="reason"/> goes to the log.
    /// </summary>
    bool AdmitPeer(IkeSa sa, PeerIdentity peer, out string reason);

    /// <summary>
    /// Responder: narrows the peer's proposed selectors to what policy allows (RFC 7296 2.9); false for
    /// TS_UNACCEPTABLE.
    /// </summary>
    bool TryNarrow(IkeSa sa, IReadOnlyList<TrafficSelector> tsi, IReadOnlyList<TrafficSelector> tsr,
        out IReadOnlyList<TrafficSelector> narrowedTsi, out IReadOnlyList<TrafficSelector> narrowedTsr);

    /// <summary>
    /// Responder, at IKE_AUTH before the peer's AUTH is verified: the configuration that answers the identity the
    /// initiator claims in <paramref name="initiatorId"/> (RFC 7296 2.15 lets the responder pick its policy by IDi:
    /// several peers behind one address, roaming peers). The SA's own configuration (chosen by address at
    /// IKE_SA_INIT) to keep it; null when no configured peer accepts the identity (AUTHENTICATION_FAILED).
    /// </summary>
    IkeSaConfig? ChooseResponderConfig(IkeSa sa, IdPayload initiatorId) => sa?.Config;

    /// <summary>The IKE SA is authenticated.</summary>
    void OnEstablished(IkeSa sa);

    /// <summary>A CHILD_SA pair is negotiated: install it in the ESP engine.</summary>
    void OnChildSaUp(IkeSa sa, ChildSa child);

    /// <summary>
    /// A pair installed with <see cref="ChildSa.OutboundActive"/> false now carries outbound traffic (its predecessor is
    /// gone): route through it.
    /// </summary>
    void OnChildSaOutboundActive(IkeSa sa, ChildSa child);

    /// <summary>
    /// The IKE SA was rekeyed (RFC 7296 2.18): <paramref name="replacement"/> has new SPIs and keys and owns the CHILD_SAs
    /// now; <paramref name="old"/> closes once deleted.
    /// </summary>
    void OnRekeyed(IkeSa old, IkeSa replacement);

    /// <summary>A CHILD_SA pair is gone: remove it from the ESP engine (its keys are zeroed after this returns).</summary>
    void OnChildSaDown(IkeSa sa, ChildSa child);

    /// <summary>
    /// A new CHILD_SA requested with <see cref="IkeSa.RequestChild()"/> did not come up: the peer refused it (the notify
    /// in <paramref name="reason"/>) or answered with something invalid. The IKE SA stays.
    /// </summary>
    void OnChildSaRefused(IkeSa sa, string reason)
    {
    }

    /// <summary>The IKE SA is gone, with the reason for the log.</summary>
    void OnClosed(IkeSa sa, string reason);
}
