using System.Buffers.Binary;
using System.Net;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Crypto;
using IpsecFw.Ike.Keys;
using IpsecFw.Ike.Messages;
using IpsecFw.Ike.Messages.Payloads;
using IpsecFw.Spd.Runtime;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Ike.Sa;

/// <summary>IKE_AUTH with the first CHILD_SA (RFC 7296 1.2, 2.15 authentication, 2.9 traffic selectors, 2.17 KEYMAT).</summary>
public sealed partial class IkeSa
{
    private uint _pendingChildSpi;
    private IReadOnlyList<Proposal> _sentEspProposals = [];
    private IPAddress? _leased;
    private IPAddress? _leased6;

    /// <summary>Initiator: inside addresses the responder assigned by CP (RFC 7296 2.19).</summary>
    public IReadOnlyList<IPAddress> VirtualIps { get; private set; } = [];

    /// <summary>Initiator: DNS servers the responder named by CP.</summary>
    public IReadOnlyList<IPAddress> DnsServers { get; private set; } = [];

    /// <summary>Responder: the inside address this SA leased to the peer from a pool, if any (the IPv4 one when it has both).</summary>
    public IPAddress? LeasedAddress => _leased ?? _leased6;

    /// <summary>Responder: every inside address this SA leased to the peer (IPv4 first, then IPv6).</summary>
    public IReadOnlyList<IPAddress> LeasedAddresses => (_leased, _leased6) switch
    {
        ({ } v4, { } v6) => [v4, v6],
        ({ } v4, null) => [v4],
        (null, { } v6) => [v6],
        _ => [],
    };

    private void SendAuthRequest()
    {
        IIkeAuthenticator auth = Config.Authenticator;
        var idi = new IdPayload(true, auth.LocalId.Type, auth.LocalId.Data);
        byte[] octets = SignedOctets.Build(_initRequest, _nonceR, Algorithms!.Prf, _keys!.SkPi, Body(idi));
        var inner = new List<IkePayload> { idi };
        inner.AddRange(auth.LocalCertificates);
        inner.Add(new NotifyPayload(NotifyType.InitialContact));
        if (auth.CertificateRequest is { } certReq)
        {
            inner.Add(certReq);
        }

        inner.Add(auth.Sign(octets, _peerSignatureHashes, Algorithms.Prf));
        if (Config.RequestVirtualIp || Config.RequestVirtualIpv6)
        {
            // RFC 7296 3.15.1: empty attributes ask for an address and DNS servers of each family wanted.
            var request = new List<ConfigurationAttribute>(4);
            if (Config.RequestVirtualIp)
            {
                request.Add(new ConfigurationAttribute(ConfigurationAttributeType.InternalIp4Address, []));
                request.Add(new ConfigurationAttribute(ConfigurationAttributeType.InternalIp4Dns, []));
            }

            if (Config.RequestVirtualIpv6)
            {
                request.Add(new ConfigurationAttribute(ConfigurationAttributeType.InternalIp6Address, []));
                request.Add(new ConfigurationAttribute(ConfigurationAttributeType.InternalIp6Dns, []));
            }

            inner.Add(new ConfigurationPayload(ConfigurationType.Request, request));
        }

        _pendingChildSpi = _host.AllocateChildSpi();
        byte[] spi = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(spi, _pendingChildSpi);
        _sentEspProposals = [.. ProposalSelector.WithoutKeyExchange(Config.EspProposals, renumber: true).Select(p => p with { Spi = spi })];
        inner.Add(new SaPayload(_sentEspProposals));
        inner.Add(new TsPayload(true, Config.RequestVirtualIp || Config.RequestVirtualIpv6 ? Config.VirtualIpSelectors() : Config.LocalTrafficSelectors));
        inner.Add(new TsPayload(false, Config.RemoteTrafficSelectors));
        State = IkeSaState.AuthSent;
        SendProtectedRequest(ExchangeType.IkeAuth, inner, "IKE_AUTH", OnAuthResponse);
    }

    private void OnAuthResponse(IkeMessage outer, DecryptedMessage? message)
    {
        DecryptedMessage m = message!;
        if (m.Inner.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } refused && m.Get<AuthPayload>() is null)
        {
            Close($"peer refused IKE_AUTH: {refused.NotifyType}");
            return;
        }

        IdPayload? idr = m.Inner.OfType<IdPayload>().FirstOrDefault(p => p.Type == PayloadType.IdentificationResponder);
        AuthPayload? authPayload = m.Get<AuthPayload>();
        if (idr is null || authPayload is null)
        {
            Close("IKE_AUTH response without IDr or AUTH");
            return;
        }

        byte[] octets = SignedOctets.Build(_initResponse, _nonceI, Algorithms!.Prf, _keys!.SkPr, Body(idr));
        if (!Authenticate(idr, m, authPayload, octets, out PeerIdentity? identity))
        {
            // RFC 7296 2.21.2: an error found by the initiator MAY be reported in a separate INFORMATIONAL.
            SendProtectedRequest(ExchangeType.Informational, [new NotifyPayload(NotifyType.AuthenticationFailed)], "AUTHENTICATION_FAILED", (_, _) => { });
            Close(CloseReason ?? "responder's authentication failed");
            return;
        }

        PeerIdentity = identity;
        ReadConfigurationReply(m.Get<ConfigurationPayload>());
        State = IkeSaState.Established;
        EstablishedAt = _host.Time.GetUtcNow();
        _log.LogInformation("IKE SA {Spi:x16} established with {Peer} at {Remote} ({Algorithms})", LocalSpi, PeerNames.Describe(identity), RemoteEndPoint, Algorithms);
        _host.OnEstablished(this);

        if (m.Inner.OfType<NotifyPayload>().FirstOrDefault(n => n.IsError) is { } childError)
        {
            _log.LogWarning("IKE SA {Spi:x16}: no CHILD_SA: the responder answered {Error}", LocalSpi, childError.NotifyType);
            ReleasePendingChildSpi();
            return;
        }

        SaPayload? sa = m.Get<SaPayload>();
        TsPayload? tsi = m.Inner.OfType<TsPayload>().FirstOrDefault(t => t.Type == PayloadType.TrafficSelectorInitiator);
        TsPayload? tsr = m.Inner.OfType<TsPayload>().FirstOrDefault(t => t.Type == PayloadType.TrafficSelectorResponder);
        if (sa is null || tsi is null || tsr is null || sa.Proposals.Count != 1 || sa.Proposals[0].Spi.Length != 4
            || !ProposalSelector.IsValidChoice(_sentEspProposals, sa.Proposals[0])
            || !EspAlgorithms.TryFrom(sa.Proposals[0], out EspAlgorithms? esp, out _))
        {
            _log.LogWarning("IKE SA {Spi:x16}: the responder's CHILD_SA answer is invalid; deleting the IKE SA", LocalSpi);
            ReleasePendingChildSpi();
            Delete("invalid CHILD_SA in the IKE_AUTH response");
            return;
        }

        uint outboundSpi = BinaryPrimitives.ReadUInt32BigEndian(sa.Proposals[0].Spi);
        uint inboundSpi = _pendingChildSpi;
        _pendingChildSpi = 0;
        ChildSa child = CreateChild(inboundSpi, outboundSpi, esp, tsi.Selectors, tsr.Selectors);
        _children.Add(child);
        _host.OnChildSaUp(this, child);
    }

    private void RespondToAuth(DecryptedMessage m)
    {
        IdPayload? idi = m.Inner.OfType<IdPayload>().FirstOrDefault(p => p.Type == PayloadType.IdentificationInitiator);
        AuthPayload? authPayload = m.Get<AuthPayload>();
        if (idi is null || authPayload is null)
        {
            RespondProtected(ExchangeType.IkeAuth, [new NotifyPayload(NotifyType.AuthenticationFailed)]);
            Close("IKE_AUTH request without IDi or AUTH");
            return;
        }

        if (!ChooseConfigByIdentity(idi))
        {
            RespondProtected(ExchangeType.IkeAuth, [new NotifyPayload(NotifyType.AuthenticationFailed)]);
            Close(CloseReason!);
            return;
        }

        byte[] octets = SignedOctets.Build(_initRequest, _nonceR, Algorithms!.Prf, _keys!.SkPi, Body(idi));
        if (!Authenticate(idi, m, authPayload, octets, out PeerIdentity? identity))
        {
            // RFC 7296 2.21.2: AUTHENTICATION_FAILED in the IKE_AUTH response; no IKE SA results.
            RespondProtected(ExchangeType.IkeAuth, [new NotifyPayload(NotifyType.AuthenticationFailed)]);
            Close(CloseReason ?? "initiator's authentication failed");
            return;
        }

        PeerIdentity = identity;
        IIkeAuthenticator auth = Config.Authenticator;
        var idr = new IdPayload(false, auth.LocalId.Type, auth.LocalId.Data);
        byte[] ours = SignedOctets.Build(_initResponse, _nonceI, Algorithms.Prf, _keys.SkPr, Body(idr));
        var inner = new List<IkePayload> { idr };
        inner.AddRange(auth.LocalCertificates);
        inner.Add(auth.Sign(ours, _peerSignatureHashes, Algorithms.Prf));

        ChildSa? child = null;
        bool addressFailed = false;
        if (m.Get<ConfigurationPayload>() is { ConfigurationType: ConfigurationType.Request } cp)
        {
            addressFailed = !AnswerAddressRequest(cp, identity!, inner);
        }

        SaPayload? sa = m.Get<SaPayload>();
        TsPayload? tsi = m.Inner.OfType<TsPayload>().FirstOrDefault(t => t.Type == PayloadType.TrafficSelectorInitiator);
        TsPayload? tsr = m.Inner.OfType<TsPayload>().FirstOrDefault(t => t.Type == PayloadType.TrafficSelectorResponder);
        if (sa is not null && tsi is not null && tsr is not null && !addressFailed)
        {
            if (!ProposalSelector.TrySelect(ProposalSelector.WithoutKeyExchange(sa.Proposals, renumber: false),
                    ProposalSelector.WithoutKeyExchange(Config.EspProposals, renumber: false), ProtocolId.Esp, out Proposal chosen)
                || chosen.Spi.Length != 4 || !EspAlgorithms.TryFrom(chosen, out EspAlgorithms? esp, out _))
            {
                _log.LogWarning("IKE SA {Spi:x16}: no acceptable ESP proposal from {Peer}", LocalSpi, PeerNames.Describe(identity));
                inner.Add(new NotifyPayload(NotifyType.NoProposalChosen));
            }
            else if (!TryNarrowWithLease(tsi.Selectors, tsr.Selectors, out IReadOnlyList<TrafficSelector> narrowedI, out IReadOnlyList<TrafficSelector> narrowedR))
            {
                _log.LogWarning("IKE SA {Spi:x16}: traffic selectors of {Peer} not acceptable (TS_UNACCEPTABLE)", LocalSpi, PeerNames.Describe(identity));
                inner.Add(new NotifyPayload(NotifyType.TsUnacceptable));
            }
            else
            {
                uint inboundSpi = _host.AllocateChildSpi();
                byte[] spi = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(spi, inboundSpi);
#pragma warning disable CA2000 // Owned by _children below; Close() disposes it.
                child = CreateChild(inboundSpi, BinaryPrimitives.ReadUInt32BigEndian(chosen.Spi), esp, narrowedR, narrowedI);
#pragma warning restore CA2000
                inner.Add(new SaPayload([chosen with { Spi = spi }]));
                inner.Add(new TsPayload(true, narrowedI));
                inner.Add(new TsPayload(false, narrowedR));
            }
        }

        State = IkeSaState.Established;
        EstablishedAt = _host.Time.GetUtcNow();
        _log.LogInformation("IKE SA {Spi:x16} established with {Peer} at {Remote} ({Algorithms})", LocalSpi, PeerNames.Describe(identity), RemoteEndPoint, Algorithms);
        _host.OnEstablished(this);
        if (child is not null)
        {
            // Installed before the answer leaves, so the initiator's first ESP packet finds its SA.
            _children.Add(child);
            _host.OnChildSaUp(this, child);
        }

        RespondProtected(ExchangeType.IkeAuth, inner);
    }

    /// <summary>
    /// Responder: the configuration answering the identity claimed in IDi (RFC 7296 2.15), asked of the host before the
    /// AUTH is verified, so that the chosen peer's credentials (its PSK, its expected identity) judge it. False when no
    /// configured peer accepts the identity (AUTHENTICATION_FAILED, <see cref="Auth.AuthFailure.NoMatchingPeer"/>).
    /// </summary>
    private bool ChooseConfigByIdentity(IdPayload idi)
    {
        IkeSaConfig? chosen = _host.ChooseResponderConfig(this, idi);
        if (chosen is null)
        {
            AuthFailure = Auth.AuthFailure.NoMatchingPeer;
            CloseReason = $"no configured peer accepts the identity {Auth.PeerIdentities.Describe(idi.IdType, idi.Data)} claimed by {RemoteEndPoint}";
            _log.LogWarning("IKE SA {Spi:x16}: {Reason}", LocalSpi, CloseReason);
            return false;
        }

        if (!ReferenceEquals(chosen, Config))
        {
            _log.LogInformation("IKE SA {Spi:x16}: peer '{Chosen}' chosen by the identity {Id} (was '{ByAddress}' by address)",
                LocalSpi, chosen.Name, Auth.PeerIdentities.Describe(idi.IdType, idi.Data), Config.Name);
            Config = chosen;
        }

        return true;
    }

    /// <summary>With leased addresses, TSi is those addresses alone (RFC 7296 2.19); TSr as the policy narrows it.</summary>
    private bool TryNarrowWithLease(IReadOnlyList<TrafficSelector> tsi, IReadOnlyList<TrafficSelector> tsr,
        out IReadOnlyList<TrafficSelector> narrowedI, out IReadOnlyList<TrafficSelector> narrowedR)
    {
        IReadOnlyList<IPAddress> leased = LeasedAddresses;
        if (leased.Count == 0)
        {
            return _host.TryNarrow(this, tsi, tsr, out narrowedI, out narrowedR);
        }

        TrafficSelector[] leases = [.. leased.Select(a => new TrafficSelector(
            a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? TsType.Ipv4AddressRange : TsType.Ipv6AddressRange, 0, 0, 65535, a, a))];
        narrowedI = Engine.SelectorNarrowing.Intersect(tsi, leases);
        bool ok = _host.TryNarrow(this, narrowedI, tsr, out _, out narrowedR);
        return ok && narrowedI.Count > 0 && narrowedR.Count > 0;
    }

    private void ReadConfigurationReply(ConfigurationPayload? cp)
    {
        if (cp is not { ConfigurationType: ConfigurationType.Reply })
        {
            return;
        }

        // RFC 7296 3.15.1: INTERNAL_IP6_ADDRESS is 16 octets of address and one of prefix length; INTERNAL_IP6_DNS 16 octets.
        // Only the families asked for are taken: an address nobody asked for would have no TSi of its own.
        VirtualIps = [.. cp.Attributes.Where(a => Config.RequestVirtualIp && a.AttributeType == ConfigurationAttributeType.InternalIp4Address && a.Value.Length == 4)
            .Select(a => new IPAddress(a.Value))
            .Concat(cp.Attributes.Where(a => Config.RequestVirtualIpv6 && a.AttributeType == ConfigurationAttributeType.InternalIp6Address && a.Value.Length == 17)
                .Select(a => new IPAddress(a.Value.AsSpan(0, 16))))];
        DnsServers = [.. cp.Attributes.Where(a => a.AttributeType == ConfigurationAttributeType.InternalIp4Dns && a.Value.Length == 4)
            .Select(a => new IPAddress(a.Value))
            .Concat(cp.Attributes.Where(a => a.AttributeType == ConfigurationAttributeType.InternalIp6Dns && a.Value.Length == 16)
                .Select(a => new IPAddress(a.Value)))];
        if (VirtualIps.Count > 0)
        {
            _log.LogInformation("IKE SA {Spi:x16}: the responder assigned {Addresses}", LocalSpi, string.Join(", ", VirtualIps));
        }
    }

    /// <summary>
    /// Responder: answers a CP request (RFC 7296 2.19, 3.15) with an address from the pool of each family asked for
    /// (INTERNAL_IP4_ADDRESS from <see cref="IkeSaConfig.AddressPool"/>, INTERNAL_IP6_ADDRESS from
    /// <see cref="IkeSaConfig.AddressPool6"/>) and the DNS servers of the families given. A family the gateway cannot
    /// serve is left out of the reply; when none of those asked for can be served, INTERNAL_ADDRESS_FAILURE (3.15.4)
    /// and false (no CHILD_SA). A request without address attributes is not answered.
    /// </summary>
    private bool AnswerAddressRequest(ConfigurationPayload cp, PeerIdentity identity, List<IkePayload> inner)
    {
        bool wants4 = cp.Attributes.Any(a => a.AttributeType == ConfigurationAttributeType.InternalIp4Address);
        bool wants6 = cp.Attributes.Any(a => a.AttributeType == ConfigurationAttributeType.InternalIp6Address);
        if (!wants4 && !wants6)
        {
            return true;
        }

        _leased = wants4 ? Config.AddressPool?.Acquire(identity) : null;
        _leased6 = wants6 ? Config.AddressPool6?.Acquire(identity) : null;
        if (_leased is null && _leased6 is null)
        {
            _log.LogWarning("IKE SA {Spi:x16}: no inside address for {Peer} (asked for {Families}; IPv4 pool {V4}, IPv6 pool {V6})", LocalSpi, PeerNames.Describe(identity),
                wants4 && wants6 ? "IPv4 and IPv6" : wants4 ? "IPv4" : "IPv6",
                Config.AddressPool is null ? "not configured" : "exhausted", Config.AddressPool6 is null ? "not configured" : "exhausted");
            inner.Add(new NotifyPayload(NotifyType.InternalAddressFailure));
            return false;
        }

        var reply = new List<ConfigurationAttribute>(4);
        if (_leased is { } v4)
        {
            reply.Add(new(ConfigurationAttributeType.InternalIp4Address, v4.GetAddressBytes()));
            reply.AddRange(Config.DnsServers.Where(d => d.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                .Select(d => new ConfigurationAttribute(ConfigurationAttributeType.InternalIp4Dns, d.GetAddressBytes())));
        }

        if (_leased6 is { } v6)
        {
            // RFC 7296 3.15.1: the address and a prefix length; the lease is the one address (the TSi is that address).
            byte[] value = new byte[17];
            v6.TryWriteBytes(value, out _);
            value[16] = 128;
            reply.Add(new(ConfigurationAttributeType.InternalIp6Address, value));
            reply.AddRange(Config.DnsServers.Where(d => d.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
                .Select(d => new ConfigurationAttribute(ConfigurationAttributeType.InternalIp6Dns, d.GetAddressBytes())));
        }

        inner.Add(new ConfigurationPayload(ConfigurationType.Reply, reply));
        _log.LogInformation("IKE SA {Spi:x16}: assigned {Address} to {Peer}", LocalSpi, string.Join(", ", LeasedAddresses), PeerNames.Describe(identity));
        return true;
    }

    private void ReleaseLease()
    {
        if (_leased is not null)
        {
            Config.AddressPool?.Release(_leased);
            _leased = null;
        }

        if (_leased6 is not null)
        {
            Config.AddressPool6?.Release(_leased6);
            _leased6 = null;
        }
    }

    private bool Authenticate(IdPayload id, DecryptedMessage m, AuthPayload authPayload, byte[] octets, out PeerIdentity? identity)
    {
        identity = null;
        AuthVerification verdict = Config.Authenticator.Verify(id, [.. m.Inner.OfType<CertPayload>()], authPayload, octets, Algorithms!.Prf);
        if (!verdict.Succeeded || verdict.Identity is null)
        {
            AuthFailure = verdict.Succeeded ? Auth.AuthFailure.NoCertificate : verdict.Failure;
            CloseReason = $"authentication of {RemoteEndPoint} failed: {verdict.Failure}: {verdict.Detail}";
            _log.LogWarning("IKE SA {Spi:x16}: {Reason}", LocalSpi, CloseReason);
            return false;
        }

        if (!_host.AdmitPeer(this, verdict.Identity, out string reason))
        {
            AuthFailure = Auth.AuthFailure.NotAllowed;
            CloseReason = $"policy refuses peer {PeerNames.Describe(verdict.Identity)}: {reason}";
            _log.LogWarning("IKE SA {Spi:x16}: {Reason}", LocalSpi, CloseReason);
            return false;
        }

        identity = verdict.Identity;
        return true;
    }

    private ChildSa CreateChild(uint inboundSpi, uint outboundSpi, EspAlgorithms esp, IReadOnlyList<TrafficSelector> local, IReadOnlyList<TrafficSelector> remote)
    {
        // RFC 7296 2.17: KEYMAT = prf+(SK_d, Ni | Nr) for the CHILD_SA of IKE_AUTH; initiator-to-responder keys first.
        ChildSaKeys keys = ChildSaKeys.Derive(Algorithms!.Prf, _keys!.SkD, _nonceI, _nonceR, [], esp.KeySize, 0);
        return new ChildSa(inboundSpi, outboundSpi, esp, keys, Role == IkeRole.Initiator, local, remote, _host.Time.GetUtcNow())
        {
            UdpEncapsulated = UdpEncapsulation,
            LocalEndPoint = LocalEndPoint,
            RemoteEndPoint = RemoteEndPoint,
        };
    }

    private void ReleasePendingChildSpi()
    {
        if (_pendingChildSpi != 0)
        {
            _host.ReleaseChildSpi(_pendingChildSpi);
            _pendingChildSpi = 0;
        }
    }

    private static byte[] Body(IkePayload payload)
    {
        byte[] body = new byte[payload.GetBodyLength()];
        return payload.TryWriteBody(body, out int written) && written == body.Length
            ? body
            : throw new InvalidOperationException("payload body does not encode");
    }
}
