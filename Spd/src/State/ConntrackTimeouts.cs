namespace IpsecFw.Spd.State;

/// <summary>
/// How long a connection stays tracked without a packet, per state, in milliseconds of the monotonic clock the caller
/// passes to <see cref="ConnectionTable"/>. <see cref="Default"/> is Linux nf_conntrack's defaults
/// (net/netfilter/nf_conntrack_proto_tcp.c <c>tcp_timeouts[]</c>, nf_conntrack_proto_udp.c, nf_conntrack_proto_icmp.c,
/// nf_conntrack_proto_generic.c; the sysctls <c>net.netfilter.nf_conntrack_tcp_timeout_*</c>,
/// <c>nf_conntrack_udp_timeout</c>, <c>nf_conntrack_udp_timeout_stream</c>, <c>nf_conntrack_icmp_timeout</c>,
/// <c>nf_conntrack_generic_timeout</c>). Immutable.
/// </summary>
public sealed record ConntrackTimeouts
{
    private const long Second = 1000;
    private const long Minute = 60 * Second;

    /// <summary>Linux's defaults, listed on each property.</summary>
    public static ConntrackTimeouts Default { get; } = new();

    /// <summary>TCP SYN_SENT and SYN_SENT2: 2 minutes.</summary>
    public long TcpSynSent { get; init; } = 2 * Minute;

    /// <summary>TCP SYN_RECV: 60 seconds.</summary>
    public long TcpSynReceived { get; init; } = 60 * Second;

    /// <summary>TCP ESTABLISHED: 5 days (432,000 s).</summary>
    public long TcpEstablished { get; init; } = 5 * 24 * 60 * Minute;

    /// <summary>TCP FIN_WAIT: 2 minutes.</summary>
    public long TcpFinWait { get; init; } = 2 * Minute;

    /// <summary>TCP CLOSE_WAIT: 60 seconds.</summary>
    public long TcpCloseWait { get; init; } = 60 * Second;

    /// <summary>TCP LAST_ACK: 30 seconds.</summary>
    public long TcpLastAck { get; init; } = 30 * Second;

    /// <summary>TCP TIME_WAIT: 2 minutes.</summary>
    public long TcpTimeWait { get; init; } = 2 * Minute;

    /// <summary>TCP CLOSE (after RST): 10 seconds.</summary>
    public long TcpClose { get; init; } = 10 * Second;

    /// <summary>UDP, no reply seen: 30 seconds (<c>nf_conntrack_udp_timeout</c>).</summary>
    public long UdpUnreplied { get; init; } = 30 * Second;

    /// <summary>UDP, reply seen: 120 seconds (<c>nf_conntrack_udp_timeout_stream</c>; 120 s since Linux 5.0, commit 294304e4, 180 s before).</summary>
    public long UdpAssured { get; init; } = 120 * Second;

    /// <summary>ICMP / ICMPv6 echo: 30 seconds (<c>nf_conntrack_icmp_timeout</c>, <c>nf_conntrack_icmpv6_timeout</c>).</summary>
    public long IcmpEcho { get; init; } = 30 * Second;

    /// <summary>Other protocols: 600 seconds (<c>nf_conntrack_generic_timeout</c>).</summary>
    public long Other { get; init; } = 600 * Second;

    /// <summary>The timeout of a state.</summary>
    public long For(ConnectionState state) => state switch
    {
        ConnectionState.TcpSynSent or ConnectionState.TcpSynSent2 => TcpSynSent,
        ConnectionState.TcpSynReceived => TcpSynReceived,
        ConnectionState.TcpEstablished => TcpEstablished,
        ConnectionState.TcpFinWait => TcpFinWait,
        ConnectionState.TcpCloseWait => TcpCloseWait,
        ConnectionState.TcpLastAck => TcpLastAck,
        ConnectionState.TcpTimeWait => TcpTimeWait,
        ConnectionState.TcpClose => TcpClose,
        ConnectionState.UdpUnreplied => UdpUnreplied,
        ConnectionState.UdpAssured => UdpAssured,
        ConnectionState.IcmpEcho => IcmpEcho,
        _ => Other,
    };
}
