using System.Buffers.Binary;

namespace IpsecFw.Esp.Packet;

/// <summary>
/// RFC 3948 UDP encapsulation: tells ESP, IKE and NAT-keepalives apart on UDP/4500, so IKE and ESP share one port.
/// </summary>
/// <remarks>
/// <code>
/// RFC 3948 2.1, UDP-encapsulated ESP:    2.2, IKE with the non-ESP marker:
/// +----------+----------+                +----------+----------+
/// | Src Port | Dst Port |                | Src Port | Dst Port |
/// +----------+----------+                +----------+----------+
/// |  Length  | Checksum |                |  Length  | Checksum |
/// +----------+----------+                +----------+----------+
/// |  ESP header (SPI≠0) |                | Non-ESP Marker (0)   |
/// ~  ...                ~                ~  IKE header ...      ~
/// </code>
/// </remarks>
public static class UdpEncapsulation
{
    /// <summary>The UDP header size.</summary>
    public const int UdpHeaderSize = 8;

    /// <summary>The IKE/ESP NAT-T port.</summary>
    public const ushort NatTraversalPort = 4500;

    /// <summary>The four zero bytes in front of IKE messages on port 4500.</summary>
    public const int NonEspMarkerSize = 4;

    /// <summary>Classifies the payload of a datagram received on the NAT-T port.</summary>
    public static UdpPayloadKind Classify(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 1 && payload[0] == 0xFF)
        {
            return UdpPayloadKind.NatKeepalive;
        }

        if (payload.Length < NonEspMarkerSize)
        {
            return UdpPayloadKind.Invalid;
        }

        uint spi = BinaryPrimitives.ReadUInt32BigEndian(payload);
        if (spi == 0)
        {
            // IKE header (28 bytes) behind the marker.
            return payload.Length >= NonEspMarkerSize + 28 ? UdpPayloadKind.Ike : UdpPayloadKind.Invalid;
        }

        // RFC 4303 2.1: SPIs 1-255 are reserved by IANA and never assigned to an SA.
        return spi <= 255 ? UdpPayloadKind.Invalid : UdpPayloadKind.Esp;
    }

    /// <summary>Writes a UDP header (checksum 0, or filled in later by the caller for IPv6).</summary>
    internal static void WriteHeader(Span<byte> header, ushort sourcePort, ushort destinationPort, int length)
    {
        BinaryPrimitives.WriteUInt16BigEndian(header, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)length);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], 0);
    }
}
