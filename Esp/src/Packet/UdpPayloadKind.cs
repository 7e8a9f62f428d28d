namespace IpsecFw.Esp.Packet;

/// <summary>What a datagram on UDP/4500 carries (RFC 3948 2).</summary>
public enum UdpPayloadKind : byte
{
    /// <summary>Too short to be anything, or an ESP header with the reserved SPI range 1-255.</summary>
    Invalid,

    /// <summary>An IKE message behind the four-byte non-ESP marker (RFC 3948 2.2).</summary>
    Ike,

    /// <summary>A NAT-keepalive: one byte, 0xFF (RFC 3948 2.3).</summary>
    NatKeepalive,

    /// <summary>An ESP packet (a non-zero SPI in the first four bytes).</summary>
    Esp,
}
