namespace IpsecFw.Spd.State;

/// <summary>
/// The state of a tracked connection. The TCP states are Linux nf_conntrack's (net/netfilter/nf_conntrack_proto_tcp.c),
/// which follow RFC 9293 3.3.2 as seen by a box in the middle: it sees both directions but not the endpoints' own state.
/// </summary>
public enum ConnectionState : byte
{
    /// <summary>Not tracked (an empty slot).</summary>
    None,

    /// <summary>TCP: the originator's SYN was seen.</summary>
    TcpSynSent,

    /// <summary>TCP: SYN seen in both directions (simultaneous open, RFC 9293 3.5 figure 7).</summary>
    TcpSynSent2,

    /// <summary>TCP: the SYN-ACK was seen.</summary>
    TcpSynReceived,

    /// <summary>TCP: the three-way handshake completed.</summary>
    TcpEstablished,

    /// <summary>TCP: a FIN was seen in one direction.</summary>
    TcpFinWait,

    /// <summary>TCP: the first FIN was acknowledged; the other side may still send.</summary>
    TcpCloseWait,

    /// <summary>TCP: FINs seen in both directions; waiting for the last ACK.</summary>
    TcpLastAck,

    /// <summary>TCP: closed by FINs; kept briefly for late segments.</summary>
    TcpTimeWait,

    /// <summary>TCP: reset (RST); kept briefly.</summary>
    TcpClose,

    /// <summary>UDP: packets seen in the original direction only.</summary>
    UdpUnreplied,

    /// <summary>UDP: a reply was seen (conntrack's "assured" stream).</summary>
    UdpAssured,

    /// <summary>ICMP or ICMPv6 echo request sent; its replies pass.</summary>
    IcmpEcho,

    /// <summary>Any other protocol, by addresses and protocol.</summary>
    Other,
}
