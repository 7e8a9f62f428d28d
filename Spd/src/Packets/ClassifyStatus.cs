namespace IpsecFw.Spd.Packets;

/// <summary>
/// The outcome of <see cref="PacketClassifier.Classify"/>: <see cref="Ok"/>, <see cref="Fragment"/> (for the
/// reassembler), or why the packet is malformed. Each failure is a drop reason with a counter of its own.
/// </summary>
public enum ClassifyStatus : byte
{
    /// <summary>A whole, well-formed packet: the flow key is complete.</summary>
    Ok,

    /// <summary>
    /// An IPv4 fragment (MF set or offset non-zero) or an IPv6 packet with a Fragment header: addresses and protocol
    /// are known, ports are not; hand it to the reassembler before any decision.
    /// </summary>
    Fragment,

    /// <summary>Shorter than the fixed IP header (20 bytes for IPv4, 40 for IPv6), or empty.</summary>
    TruncatedIpHeader,

    /// <summary>The version nibble is neither 4 nor 6.</summary>
    UnknownVersion,

    /// <summary>IPv4 IHL below 5 or beyond the packet.</summary>
    BadHeaderLength,

    /// <summary>IPv4 Total Length below the header length or beyond the bytes received; IPv6 Payload Length beyond them.</summary>
    BadTotalLength,

    /// <summary>An IPv6 jumbogram (Payload Length 0, RFC 2675): not supported.</summary>
    Jumbogram,

    /// <summary>An IPv6 extension header runs past the end of the packet.</summary>
    TruncatedExtensionHeader,

    /// <summary>More IPv6 extension headers than <see cref="PacketClassifier.MaxExtensionHeaders"/>.</summary>
    TooManyExtensionHeaders,

    /// <summary>A Hop-by-Hop Options header other than right after the IPv6 header (RFC 8200 4.3).</summary>
    HopByHopNotFirst,

    /// <summary>The transport header (TCP 20, UDP 8, SCTP 12, ICMP 8 bytes) runs past the end of the packet.</summary>
    TruncatedTransportHeader,

    /// <summary>TCP Data Offset below 5 or beyond the packet.</summary>
    BadTcpDataOffset,
}
