using System.Buffers.Binary;
using IpsecFw.Esp;
using IpsecFw.Esp.Packet;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// Builds a whole inbound ESP packet around an arbitrary payload and Next Header: <see cref="EspSa.Seal"/> does the
/// ESP part, this class the outer IPv4/IPv6 header (optionally with IPv4 options or an IPv6 Hop-by-Hop header) and the
/// UDP header. Unlike the Encapsulator it accepts any payload, so the fuzzer reaches the inbound checks that come after
/// a successful open (tunnel-mode inner packet, transport-mode rebuild) with content of its choosing.
/// </summary>
internal static class OuterPacket
{
    private const int Ipv4HeaderSize = 20;
    private const int Ipv6HeaderSize = 40;
    private const int ExtensionSize = 8;
    private const int Ipv4OptionsSize = 4;

    /// <summary>The packet, in an array of exactly its size; where ESP starts and ends; the IP header's length.</summary>
    public static byte[] Seal(EspSa outbound, EspProfile profile, ReadOnlySpan<byte> payload, byte nextHeader, bool options, out int espOffset, out int espLength, out int headerLength)
    {
        headerLength = profile.IPv6
            ? Ipv6HeaderSize + (options ? ExtensionSize : 0)
            : Ipv4HeaderSize + (options ? Ipv4OptionsSize : 0);
        int udp = profile.Udp ? UdpEncapsulation.UdpHeaderSize : 0;
        int payloadOffset = headerLength + udp + EspSa.PayloadOffset;
        byte[] packet = new byte[payloadOffset + payload.Length + outbound.TrailerSize(payload.Length)];
        payload.CopyTo(packet.AsSpan(payloadOffset));
        EspStatus status = outbound.Seal(packet, payloadOffset, payload.Length, nextHeader, out espOffset, out espLength);
        if (status != EspStatus.Ok || espOffset + espLength != packet.Length)
        {
            throw new FuzzInvariantException($"Seal of a {payload.Length}-byte payload gave {status}, ESP [{espOffset}, +{espLength}) in {packet.Length} bytes");
        }

        byte protocol = profile.Udp ? IpProtocol.Udp : IpProtocol.Esp;
        Span<byte> ip = packet.AsSpan(0, headerLength);
        if (profile.IPv6)
        {
            BinaryPrimitives.WriteUInt32BigEndian(ip, 6u << 28);
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(packet.Length - Ipv6HeaderSize));
            ip[6] = options ? IpProtocol.HopByHop : protocol;
            ip[7] = 64;
            profile.Sender.TryWriteBytes(ip.Slice(8, 16), out _);
            profile.Receiver.TryWriteBytes(ip.Slice(24, 16), out _);
            if (options)
            {
                // RFC 8200 4.3: Hop-by-Hop header of 8 bytes, a PadN option filling it.
                ip[40] = protocol;
                ip[41] = 0;
                ip[42] = 1;
                ip[43] = 4;
            }
        }
        else
        {
            ip[0] = (byte)(0x40 | (headerLength / 4));
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)packet.Length);
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], 0x4242);
            ip[8] = 64;
            ip[9] = protocol;
            profile.Sender.TryWriteBytes(ip.Slice(12, 4), out _);
            profile.Receiver.TryWriteBytes(ip.Slice(16, 4), out _);
            ip[Ipv4HeaderSize..].Fill(1);   // RFC 791: No Operation options
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.Compute(ip));
        }

        if (udp != 0)
        {
            Span<byte> header = packet.AsSpan(headerLength, udp);
            BinaryPrimitives.WriteUInt16BigEndian(header, UdpEncapsulation.NatTraversalPort);
            BinaryPrimitives.WriteUInt16BigEndian(header[2..], UdpEncapsulation.NatTraversalPort);
            BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)(packet.Length - headerLength));
        }

        return packet;
    }
}
