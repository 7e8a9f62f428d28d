// The distributed firewall's enforcement on the ESP data path (docs/architecture.md "Packet path order"):
//
//   inner packet (inbound: decrypted, within its SA's selectors; outbound: read from TUN, its SA chosen)
//   1. PacketClassifier.Classify                      malformed → "malformed"
//   2. a fragment → FragmentReassembler.Submit (one per direction, each used by one loop thread)
//        held → "fragment_held"; refused → "fragment_dropped"; complete → the datagram replaces the fragment in its
//        buffer (too big for the buffer → "fragment_dropped") and is classified again
//   3. ConnectionTable.Update                         a live flow passes either way; invalid TCP → "conntrack_invalid"
//      outbound: a live flow admitted on a dedicated CHILD_SA is steered onto that SA (per-process keying)
//   4. a new flow: the local program, only when it can matter (a `process` rule in that direction, a dedicated SA it
//      arrived on, an affinity with its remote host): ISocketOwnerResolver (sock_diag + /proc), counted and timed
//   5. the SPD decision with the grant of the SA's peer (by SPI) and the program
//        inbound on an SA dedicated to program P (we asked for it): allowed by P's keyed rule iff the program is P
//        inbound  PolicySnapshot.DecideInbound(flow, grant, program)
//        outbound PolicySnapshot.DecideOutbound(flow, grant, program)   (the grant of the SA the packet will go on)
//        the deciding rule's hit counter moves; denied → "process_denied" when the program is why
//        (PolicySnapshot.ProcessRuleFor), else "policy_denied"; both an intrusion-detection event
//        (EventPipeline.RecordDenial: a fixed-size record into a bounded ring) and a rate-limited log line
//   6. outbound allowed: a keyed verdict goes on the (peer, program) dedicated SA, or asks IKE for one and is dropped
//        "keyed_sa_pending" (no queue: the sender retransmits); else a program with an affinity to the remote host
//        follows it onto its dedicated SA. Inbound allowed on a dedicated SA: the (remote, program) affinity is kept.
//   7. allowed → ConnectionTable.Track (with the SA's SPI and the program)   full → "conntrack_full"; a TCP packet
//        that cannot open a connection (no SYN) → "conntrack_invalid"; other untrackable packets (ICMP errors) pass on
//        the decision alone
//
// No policy installed yet: nothing passes ("no_policy"). Nothing here allocates per packet except the log line of a
// denial (at most MaxDenialLogsPerSecond a second) and the program look-up of a new flow that needs one.
using System.Globalization;
using System.Net;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;
using IpsecFw.Esp.Sa;
using IpsecFw.Host.Platform;
using IpsecFw.Host.Events;
using IpsecFw.Spd.Packets;
using IpsecFw.Spd.Runtime;
using IpsecFw.Spd.State;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The daemon's <see cref="IPacketFilter"/>: classification, reassembly, connection tracking and the SPD decision for
/// every inner packet of the ESP data path, with the peer's <see cref="PeerGrant"/> found by the SA's SPI.
/// <see cref="Apply"/> installs a policy (re-authorising every SA's peer and re-checking live connections);
/// <see cref="AddSa"/> and <see cref="RemoveSa"/> follow the CHILD_SAs.
/// </summary>
/// <remarks>
/// <see cref="Inbound"/> runs on the inbound loop's thread only and <see cref="Outbound(uint, PacketBuffer)"/> on the outbound loop's only
/// (each has its own reassembler); the connection table is shared and thread-safe. The control-plane methods are
/// serialised by a lock and may run on any thread.
/// </remarks>
public sealed partial class SpdPacketFilter : IPacketFilter, IDisposable
{
    /// <summary>At most this many denials are logged per second; the rest are counted and summarised.</summary>
    public const int MaxDenialLogsPerSecond = 10;

    /// <summary>Connections tracked at most (the connection table's capacity).</summary>
    public const int DefaultConnections = 65_536;

    private readonly ILogger _logger;
    private readonly Func<long> _clock;
    private readonly ConnectionTable _connections;
    private readonly FragmentReassembler _inboundFragments = new();
    private readonly FragmentReassembler _outboundFragments = new();
    private readonly PolicyService? _policy;
    private readonly LinuxSocketOwnerResolver? _ownedResolver;
    private readonly EventPipeline? _events;
    private EnforcedPolicy? _enforced;
    private long _logSecond;
    private long _logged;
    private long _nextInboundExpiry;
    private long _nextOutboundExpiry;

    /// <summary>
    /// A filter that follows <paramref name="policy"/>: it applies the running policy now and every policy installed
    /// later (<see cref="PolicyService.Installed"/>).
    /// </summary>
    public SpdPacketFilter(PolicyService policy, ILogger<SpdPacketFilter> logger, EventPipeline? events = null)
        : this(logger, static () => Environment.TickCount64, DefaultConnections, events)
    {
        ArgumentNullException.ThrowIfNull(policy);
        _policy = policy;
        policy.Installed += OnInstalled;
        if (policy.Current is { } running)
        {
            Apply(running.Local, running.Source);
        }
    }

    /// <summary>A filter with no policy yet (nothing passes until <see cref="Apply"/>), a clock in milliseconds and a table size; for tests.</summary>
    internal SpdPacketFilter(ILogger logger, Func<long> clock, int connections, EventPipeline? events = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(clock);
        _logger = logger;
        _clock = clock;
        _events = events;
        _connections = new ConnectionTable(connections);
        if (OperatingSystem.IsLinux())
        {
            _ownedResolver = new LinuxSocketOwnerResolver();
            Resolver = _ownedResolver;
        }
    }

    /// <summary>The connection table (for status and tests).</summary>
    public ConnectionTable Connections => _connections;

    /// <summary>The enforced snapshot, or null before the first <see cref="Apply"/>.</summary>
    public PolicySnapshot? Enforced => Volatile.Read(ref _enforced)?.Local;

    /// <summary>The enforced policy with its rule lines (the NFLOG reader names the kernel's rules by it), or null before the first <see cref="Apply"/>.</summary>
    internal EnforcedPolicy? CurrentPolicy => Volatile.Read(ref _enforced);

    /// <summary>Fragments dropped by the two reassemblers for <paramref name="reason"/> (control plane: read racily).</summary>
    public long FragmentDrops(FragmentDropReason reason) => _inboundFragments.Drops(reason) + _outboundFragments.Drops(reason);

    /// <summary>Every rule's hits under the enforced policy, default deny last (index -1); empty before a policy.</summary>
    public IReadOnlyList<Control.RuleHits> RuleHits() => Volatile.Read(ref _enforced)?.Hits() ?? [];

    /// <inheritdoc/>
    public PacketVerdict Inbound(uint spi, PacketBuffer packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        long now = _clock();
        if (now >= _nextInboundExpiry)
        {
            _inboundFragments.Expire(now);
            _nextInboundExpiry = now + 1000;
        }

        DedicatedRoute? steer = null;
        return Judge(spi, packet, now, _inboundFragments, inbound: true, ref steer);
    }

    /// <inheritdoc/>
    public PacketVerdict Outbound(uint spi, PacketBuffer packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        long now = _clock();
        if (now >= _nextOutboundExpiry)
        {
            _outboundFragments.Expire(now);
            _nextOutboundExpiry = now + 1000;
        }

        DedicatedRoute? steer = null;
        return Judge(spi, packet, now, _outboundFragments, inbound: false, ref steer);
    }

    /// <inheritdoc/>
    public PacketVerdict Outbound(ref EspSa sa, ref SocketAddress remote, PacketBuffer packet)
    {
        ArgumentNullException.ThrowIfNull(sa);
        ArgumentNullException.ThrowIfNull(packet);
        long now = _clock();
        if (now >= _nextOutboundExpiry)
        {
            _outboundFragments.Expire(now);
            _nextOutboundExpiry = now + 1000;
        }

        DedicatedRoute? steer = null;
        PacketVerdict verdict = Judge(sa.Spi, packet, now, _outboundFragments, inbound: false, ref steer);
        if (verdict == PacketVerdict.Pass && steer is not null)
        {
            sa = steer.Sa;
            remote = steer.Remote;
        }

        return verdict;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_policy is not null)
        {
            _policy.Installed -= OnInstalled;
        }

        _ownedResolver?.Dispose();
    }

    private PacketVerdict Judge(uint spi, PacketBuffer packet, long now, FragmentReassembler fragments, bool inbound, ref DedicatedRoute? steer)
    {
        EnforcedPolicy? enforced = Volatile.Read(ref _enforced);
        if (enforced is null)
        {
            return PacketVerdict.NoPolicy;
        }

        ClassifyStatus status = PacketClassifier.Classify(packet.Packet, out ClassifiedPacket c);
        if (status == ClassifyStatus.Fragment)
        {
            switch (fragments.Submit(packet.Packet, now, out ReadOnlySpan<byte> datagram, out _))
            {
                case ReassemblyStatus.Held:
                    return PacketVerdict.FragmentHeld;
                case ReassemblyStatus.Complete:
                    if (PacketBuffer.Headroom + datagram.Length + PacketBuffer.Tailroom > packet.Bytes.Length)
                    {
                        return PacketVerdict.FragmentDropped;
                    }

                    datagram.CopyTo(packet.Bytes.AsSpan(PacketBuffer.Headroom));
                    packet.Offset = PacketBuffer.Headroom;
                    packet.Length = datagram.Length;
                    status = PacketClassifier.Classify(packet.Packet, out c);
                    break;
                case ReassemblyStatus.Dropped:
                    return PacketVerdict.FragmentDropped;
                default:
                    return PacketVerdict.Malformed; // the classifier saw a fragment the reassembler does not: inconsistent headers
            }
        }

        if (status != ClassifyStatus.Ok)
        {
            return PacketVerdict.Malformed;
        }

        switch (_connections.Update(c.Flow, c.TcpFlags, now, out ConnectionInfo live))
        {
            case ConntrackResult.Original or ConntrackResult.Reply:
                if (!inbound && live.Spi != spi)
                {
                    steer = RouteOf(live.Spi);
                }

                return PacketVerdict.Pass;
            case ConntrackResult.Invalid:
                return PacketVerdict.ConntrackInvalid;
        }

        PeerGrant? grant = enforced.Peers.TryGetValue(spi, out SaPeer? peer) ? peer.Grant : null;
        DedicatedSa? arrivedOn = inbound && !_dedicatedBySpi.IsEmpty && _dedicatedBySpi.TryGetValue(spi, out DedicatedSa? d) ? d : null;
        bool needsProgram = inbound
            ? enforced.Local.InboundNeedsProgram || arrivedOn is not null
            : enforced.Local.OutboundNeedsProgram || HasAffinity(c.Flow.Destination);
        SocketOwner owner = needsProgram ? LookUpProgram(c.Flow, inbound) : default;
        string? program = owner.Program;

        Verdict verdict;
        if (arrivedOn?.Program is { } dedicatedTo)
        {
            // The paper's FTP data channel: on a CHILD_SA keyed for program P, a new connection is legal when its local
            // socket belongs to P (P's keyed rule decides), and refused otherwise, whatever other rules say.
            if (!string.Equals(program, dedicatedTo, StringComparison.Ordinal) || enforced.KeyedRule(dedicatedTo) is not { } keyed)
            {
                LogProcessDenial(c.Flow, spi, peer, owner, inbound, now, $"the CHILD_SA is dedicated to {dedicatedTo}");
                return PacketVerdict.ProcessDenied;
            }

            verdict = keyed;
            enforced.CountHit(verdict);
        }
        else
        {
            verdict = inbound ? enforced.Local.DecideInbound(c.Flow, grant, program) : enforced.Local.DecideOutbound(c.Flow, grant, program);
            enforced.CountHit(verdict);
            if (!verdict.IsAllowed)
            {
                if (needsProgram && enforced.Local.ProcessRuleFor(c.Flow, grant, program, inbound) is { } wanted)
                {
                    _events?.RecordDenial(inbound, c.Flow, spi, peer, verdict, enforced);
                    LogProcessDenial(c.Flow, spi, peer, owner, inbound, now,
                        $"rule {wanted.Index} (line {wanted.Line}) is for {wanted.Process}; {enforced.Describe(verdict)} decides");
                    return PacketVerdict.ProcessDenied;
                }

                _events?.RecordDenial(inbound, c.Flow, spi, peer, verdict, enforced);
                LogDenial(enforced, c.Flow, spi, peer, verdict, inbound, now);
                return PacketVerdict.PolicyDenied;
            }
        }

        uint admittedOn = spi;
        if (!inbound && program is not null && peer is not null)
        {
            if (verdict.Keyed)
            {
                if (KeyedSa(peer, program, verdict.RuleIndex, now)?.Route is not { } keyedRoute)
                {
                    return PacketVerdict.KeyedSaPending;
                }

                steer = keyedRoute;
                admittedOn = keyedRoute.Sa.Spi;
            }
            else if (AffinityRoute(c.Flow.Destination, program, now, out uint affinitySpi) is { } affinityRoute)
            {
                steer = affinityRoute;
                admittedOn = affinitySpi;
            }
        }
        else if (arrivedOn is not null && program is not null)
        {
            RememberAffinity(c.Flow, program, spi);
        }

        var admission = new ConnectionAdmission(enforced.Local.Version, verdict.RuleIndex, OutboundAction.Protect, admittedOn, grant, program);
        return _connections.Track(c.Flow, c.TcpFlags, locallyInitiated: !inbound, now, admission) switch
        {
            TrackResult.Tracked or TrackResult.Existing => PacketVerdict.Pass,
            TrackResult.Full => PacketVerdict.ConntrackFull,
            _ => c.Flow.Protocol == IpProtocol.Tcp ? PacketVerdict.ConntrackInvalid : PacketVerdict.Pass,
        };
    }

    private void LogDenial(EnforcedPolicy enforced, in FlowKey flow, uint spi, SaPeer? peer, in Verdict verdict, bool inbound, long now)
    {
        if (!MayLogDenial(now))
        {
            return;
        }

        EnforcementLog.Denied(_logger, inbound ? "inbound" : "outbound", ProtocolName(flow.Protocol),
            IpAddressCodec.ToIPAddress(flow.Source).ToString(), flow.SourcePort,
            IpAddressCodec.ToIPAddress(flow.Destination).ToString(), flow.DestinationPort,
            spi.ToString("x8", CultureInfo.InvariantCulture), peer?.PeerName ?? "(no SA peer)", enforced.Describe(verdict));
    }

    private void LogProcessDenial(in FlowKey flow, uint spi, SaPeer? peer, in SocketOwner owner, bool inbound, long now, string why)
    {
        if (!MayLogDenial(now))
        {
            return;
        }

        EnforcementLog.ProcessDenied(_logger, inbound ? "inbound" : "outbound", ProtocolName(flow.Protocol),
            IpAddressCodec.ToIPAddress(flow.Source).ToString(), flow.SourcePort,
            IpAddressCodec.ToIPAddress(flow.Destination).ToString(), flow.DestinationPort,
            spi.ToString("x8", CultureInfo.InvariantCulture), peer?.PeerName ?? "(no SA peer)", owner.Program ?? "(unknown)",
            SocketOwner.StatusName(owner.Status) + (owner.Pid > 0 ? $", pid {owner.Pid}" : string.Empty), why);
    }

    /// <summary>At most <see cref="MaxDenialLogsPerSecond"/> denial lines a second; the rest are summarised once a second.</summary>
    private bool MayLogDenial(long now)
    {
        if (!_logger.IsEnabled(LogLevel.Warning))
        {
            return false;
        }

        long second = now / 1000;
        long previous = Interlocked.Exchange(ref _logSecond, second);
        if (previous != second)
        {
            long suppressed = Interlocked.Exchange(ref _logged, 0) - MaxDenialLogsPerSecond;
            if (suppressed > 0)
            {
                EnforcementLog.DenialsSuppressed(_logger, suppressed);
            }
        }

        return Interlocked.Increment(ref _logged) <= MaxDenialLogsPerSecond;
    }

    internal static string ProtocolName(byte protocol) => protocol switch
    {
        IpProtocol.Tcp => "tcp",
        IpProtocol.Udp => "udp",
        IpProtocol.Icmp => "icmp",
        IpProtocol.Icmpv6 => "icmp6",
        IpProtocol.Sctp => "sctp",
        _ => "proto/" + protocol.ToString(CultureInfo.InvariantCulture),
    };

    private void OnInstalled(PolicyState state) => Apply(state.Local, state.Source);
}
