using System.Buffers.Binary;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.Packet;

/// <summary>
/// Opens inbound ESP in place: from a whole IP packet (raw ESP, IP protocol 50, or ESP in UDP, RFC 3948) or from the
/// payload of a datagram received on a UDP/4500 socket. The checks run cheap-first: header sanity, SPI look-up, then
/// the SA's replay check, ICV and padding (see <see cref="EspSa.Open"/>), then the inner packet. Every failure is a
/// typed, counted <see cref="EspStatus"/>; nothing here allocates or throws on packet content.
/// </summary>
/// <remarks>
/// <see cref="EspStatus.NotEsp"/> (IKE behind the non-ESP marker, or another protocol) is returned uncounted: the caller
/// hands the datagram to IKE or elsewhere. The RFC 4301 5.2 check that the inner packet matches the SA's traffic
/// selectors belongs to the inbound SPD, which runs after this.
/// </remarks>
public static class Decapsulator
{
    /// <summary>
    /// Decapsulates the IP packet at <paramref name="offset"/>. On <see cref="EspStatus.Ok"/>, the inner packet (tunnel
    /// mode) or the reconstructed original packet (transport mode) lies at <paramref name="packetOffset"/>.
    /// </summary>
    public static EspStatus Decapsulate(EspSaTable table, Span<byte> buffer, int offset, int length, out EspSa? sa, out int packetOffset, out int packetLength)
    {
        ArgumentNullException.ThrowIfNull(table);
        sa = null;
        packetOffset = 0;
        packetLength = 0;
        if ((uint)offset > (uint)buffer.Length || (uint)length > (uint)(buffer.Length - offset))
        {
            return table.Drop(EspStatus.Truncated);
        }

        if (!IpHeaderChain.TryParse(buffer.Slice(offset, length), out IpHeaderChain chain, walkDestinationOptions: true))
        {
            return table.Drop(EspStatus.Malformed);
        }

        if (chain.IsFragment)
        {
            return table.Drop(EspStatus.OuterFragment);
        }

        int espOffset = offset + chain.InsertionOffset;
        int end = offset + chain.TotalLength;
        byte protocol = buffer[offset + chain.NextHeaderFieldOffset];
        bool udpEncapsulated = protocol == IpProtocol.Udp;
        if (udpEncapsulated)
        {
            if (end - espOffset < UdpEncapsulation.UdpHeaderSize)
            {
                return table.Drop(EspStatus.Truncated);
            }

            int udpLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[(espOffset + 4)..]);
            if (udpLength < UdpEncapsulation.UdpHeaderSize || udpLength > end - espOffset)
            {
                return table.Drop(EspStatus.Truncated);
            }

            end = espOffset + udpLength;
            espOffset += UdpEncapsulation.UdpHeaderSize;
            EspStatus kind = ClassifyUdp(table, buffer[espOffset..end]);
            if (kind != EspStatus.Ok)
            {
                return kind;
            }
        }
        else if (protocol != IpProtocol.Esp)
        {
            return EspStatus.NotEsp;
        }

        EspStatus status = OpenEsp(table, buffer, espOffset, end - espOffset, out sa, out int payloadOffset, out int payloadLength, out byte nextHeader);
        if (status != EspStatus.Ok)
        {
            return status;
        }

        if (sa!.Mode == EspMode.Tunnel)
        {
            return FinishTunnel(sa, buffer, payloadOffset, payloadLength, nextHeader, out packetOffset, out packetLength);
        }

        // Transport mode: the original headers move back to sit right in front of the payload (RFC 4303 3.4.4.2).
        int headerLength = chain.InsertionOffset;
        int start = payloadOffset - headerLength;
        buffer.Slice(offset, headerLength).CopyTo(buffer[start..]);
        Span<byte> packet = buffer.Slice(start, headerLength + payloadLength);
        packet[chain.NextHeaderFieldOffset] = nextHeader;
        if (chain.IsIPv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(packet.Length - Encapsulator.Ipv6HeaderSize));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)packet.Length);
            Encapsulator.FixIpv4Checksum(packet[..headerLength]);
        }

        if (udpEncapsulated)
        {
            // RFC 3948 3.1.2: behind a NAT the addresses differ from those the sender's checksum covered.
            TransportChecksum.Recompute(packet, headerLength, chain.IsIPv6, nextHeader);
        }

        packetOffset = start;
        packetLength = packet.Length;
        return EspStatus.Ok;
    }

    /// <summary>
    /// Decapsulates the payload of a datagram received on the NAT-T port (the kernel already stripped IP and UDP). On
    /// <see cref="EspStatus.Ok"/>: tunnel mode gives the inner IP packet; transport mode gives the upper-layer payload
    /// and its protocol in <paramref name="nextHeader"/>, for the caller to put behind an IP header. With
    /// <paramref name="requireEncapsulatedSa"/>, an SA negotiated for raw ESP is refused here
    /// (<see cref="EspStatus.EncapsulationMismatch"/>) before it is touched: its packets belong to the raw receive path.
    /// </summary>
    public static EspStatus DecapsulateUdpPayload(EspSaTable table, Span<byte> buffer, int offset, int length, out EspSa? sa, out int packetOffset, out int packetLength, out byte nextHeader,
        bool requireEncapsulatedSa = false)
    {
        ArgumentNullException.ThrowIfNull(table);
        sa = null;
        packetOffset = 0;
        packetLength = 0;
        nextHeader = 0;
        if ((uint)offset > (uint)buffer.Length || (uint)length > (uint)(buffer.Length - offset))
        {
            return table.Drop(EspStatus.Truncated);
        }

        EspStatus kind = ClassifyUdp(table, buffer.Slice(offset, length));
        if (kind != EspStatus.Ok)
        {
            return kind;
        }

        return OpenPayload(table, buffer, offset, length, requireEncapsulatedSa ? true : null, out sa, out packetOffset, out packetLength, out nextHeader);
    }

    /// <summary>
    /// Decapsulates ESP carried straight in IP (protocol 50) as a raw socket hands it over once the IP header is
    /// skipped: no non-ESP marker, so SPIs 0 to 255 are malformed (RFC 4303 2.1), and only an SA negotiated without UDP
    /// encapsulation may open it (else <see cref="EspStatus.EncapsulationMismatch"/>). Results as
    /// <see cref="DecapsulateUdpPayload"/>.
    /// </summary>
    public static EspStatus DecapsulateEspPayload(EspSaTable table, Span<byte> buffer, int offset, int length, out EspSa? sa, out int packetOffset, out int packetLength, out byte nextHeader)
    {
        ArgumentNullException.ThrowIfNull(table);
        sa = null;
        packetOffset = 0;
        packetLength = 0;
        nextHeader = 0;
        if ((uint)offset > (uint)buffer.Length || (uint)length > (uint)(buffer.Length - offset))
        {
            return table.Drop(EspStatus.Truncated);
        }

        if (length >= sizeof(uint) && BinaryPrimitives.ReadUInt32BigEndian(buffer[offset..]) <= 255)
        {
            return table.Drop(EspStatus.Malformed);
        }

        return OpenPayload(table, buffer, offset, length, false, out sa, out packetOffset, out packetLength, out nextHeader);
    }

    private static EspStatus OpenPayload(EspSaTable table, Span<byte> buffer, int offset, int length, bool? udpEncapsulatedSa, out EspSa? sa, out int packetOffset, out int packetLength, out byte nextHeader)
    {
        packetOffset = 0;
        packetLength = 0;
        EspStatus status = OpenEsp(table, buffer, offset, length, out sa, out int payloadOffset, out int payloadLength, out nextHeader, udpEncapsulatedSa);
        if (status != EspStatus.Ok)
        {
            return status;
        }

        if (sa!.Mode == EspMode.Tunnel)
        {
            return FinishTunnel(sa, buffer, payloadOffset, payloadLength, nextHeader, out packetOffset, out packetLength);
        }

        packetOffset = payloadOffset;
        packetLength = payloadLength;
        return EspStatus.Ok;
    }

    private static EspStatus ClassifyUdp(EspSaTable table, ReadOnlySpan<byte> payload) => UdpEncapsulation.Classify(payload) switch
    {
        UdpPayloadKind.Esp => EspStatus.Ok,
        UdpPayloadKind.Ike => EspStatus.NotEsp,
        UdpPayloadKind.NatKeepalive => table.Drop(EspStatus.NatKeepalive),
        _ => table.Drop(EspStatus.Malformed),
    };

    /// <summary>
    /// SPI look-up and <see cref="EspSa.Open"/>. With <paramref name="udpEncapsulatedSa"/> set, the SA must have been
    /// negotiated with (true) or without (false) UDP encapsulation; else the packet is dropped before the SA's replay
    /// window is read (Linux's xfrm_input drops the same mismatch).
    /// </summary>
    private static EspStatus OpenEsp(EspSaTable table, Span<byte> buffer, int espOffset, int espLength, out EspSa? sa, out int payloadOffset, out int payloadLength, out byte nextHeader,
        bool? udpEncapsulatedSa = null)
    {
        payloadOffset = 0;
        payloadLength = 0;
        nextHeader = 0;
        sa = null;
        if (espLength < EspSa.HeaderSize)
        {
            return table.Drop(EspStatus.Truncated);
        }

        uint spi = BinaryPrimitives.ReadUInt32BigEndian(buffer[espOffset..]);
        if (!table.TryGetInbound(spi, out sa))
        {
            return table.Drop(EspStatus.UnknownSpi);
        }

        if (udpEncapsulatedSa is bool udp && (sa.Config.UdpEncapsulation is not null) != udp)
        {
            sa = null;
            return table.Drop(EspStatus.EncapsulationMismatch);
        }

        return sa.Open(buffer, espOffset, espLength, out payloadOffset, out payloadLength, out nextHeader);
    }

    /// <summary>Tunnel mode: the payload must be one IP packet of the announced version; TFC padding behind it is cut.</summary>
    private static EspStatus FinishTunnel(EspSa sa, Span<byte> buffer, int payloadOffset, int payloadLength, byte nextHeader, out int packetOffset, out int packetLength)
    {
        packetOffset = 0;
        packetLength = 0;
        if (nextHeader != IpProtocol.IPv4 && nextHeader != IpProtocol.IPv6)
        {
            return sa.Drop(EspStatus.BadNextHeader);
        }

        ReadOnlySpan<byte> inner = buffer.Slice(payloadOffset, payloadLength);
        if (!IpHeaderChain.TryParse(inner, out IpHeaderChain chain) || chain.IsIPv6 != (nextHeader == IpProtocol.IPv6))
        {
            return sa.Drop(EspStatus.BadInnerPacket);
        }

        packetOffset = payloadOffset;
        packetLength = chain.TotalLength;
        return EspStatus.Ok;
    }
}
