using System.Buffers.Binary;
using IpsecFw.Esp;
using IpsecFw.Esp.Packet;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Fuzz.Fuzzers;

/// <summary>
/// The ESP inbound path (<see cref="Decapsulator"/>): outer IP/UDP parsing, SPI look-up, replay check, AEAD open,
/// padding, and the tunnel/transport finish, against a fresh table of the eight <see cref="EspProfile"/> inbound SAs
/// on every input (so the replay windows start empty and the target is deterministic).
/// </summary>
/// <remarks>
/// <code>
/// byte 0, the selector     what the rest of the input is
/// 0b00xx_xxxx              an IP packet for Decapsulate, at offset 0 of an exactly-sized buffer
/// 0b01xx_xxxx              the same at offset 16, behind guard bytes that must stay untouched
/// 0b10xx_xxxx              a UDP/4500 payload for DecapsulateUdpPayload (raw ESP, IKE marker, keep-alive...)
/// 0b11ab_cppp              sealed: byte 1 is the Next Header, the rest the payload; it is sealed with the outbound
///                          twin of profile ppp (so the decrypt path is always reached), put behind an outer IPv4/IPv6
///                          header (c: with IPv4 options / an IPv6 Hop-by-Hop header) and UDP if the profile has it,
///                          then decapsulated (b: through DecapsulateUdpPayload for a UDP profile), and
///                          (a) delivered a second time, which must be refused as a replay.
/// </code>
/// Seeds made by our own Encapsulator (<c>--make-seeds</c>) decrypt on the first two paths, so mutations of their outer
/// headers run through a successful open too. On the sealed path the result is checked against what was sealed.
/// </remarks>
internal sealed class EspDecapsulateFuzzer : IFuzzer
{
    public const byte RawPacket = 0x00;
    public const byte RawPacketWithGuard = 0x40;
    public const byte UdpPayload = 0x80;
    public const byte Sealed = 0xC0;
    public const byte SealedReplayTwice = 0x20;
    public const byte SealedViaUdpPayload = 0x08;
    public const byte SealedWithOptions = 0x10;

    private const int GuardSize = 16;
    private const byte Guard = 0xEE;
    private const int MaxSealedPayload = 60_000;

    public string Name => "EspDecapsulate";

    public string Description => "Esp: Decapsulator.Decapsulate / DecapsulateUdpPayload, raw or sealed with a matching SA";

    public void FuzzTarget(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        byte selector = input[0];
        ReadOnlySpan<byte> rest = input[1..];
        EspSa[] inbound = new EspSa[EspProfile.All.Length];
        using var table = new EspSaTable();
        for (int i = 0; i < inbound.Length; i++)
        {
            inbound[i] = EspProfile.All[i].Create(EspDirection.Inbound);
            table.TryAdd(inbound[i]);
        }

        try
        {
            switch (selector & 0xC0)
            {
                case RawPacket:
                    Raw(table, rest, 0);
                    break;
                case RawPacketWithGuard:
                    Raw(table, rest, GuardSize);
                    break;
                case UdpPayload:
                    RawUdpPayload(table, rest);
                    break;
                default:
                    SealThenOpen(table, selector, rest);
                    break;
            }
        }
        finally
        {
            foreach (EspSa sa in inbound)
            {
                sa.Dispose();
            }
        }
    }

    private static void Raw(EspSaTable table, ReadOnlySpan<byte> packet, int offset)
    {
        byte[] buffer = new byte[offset + packet.Length];
        buffer.AsSpan(0, offset).Fill(Guard);
        packet.CopyTo(buffer.AsSpan(offset));
        EspStatus status = Decapsulator.Decapsulate(table, buffer, offset, packet.Length, out EspSa? sa, out int po, out int pl);
        CheckResult(status, sa, po, pl, offset, packet.Length);
        for (int i = 0; i < offset; i++)
        {
            if (buffer[i] != Guard)
            {
                throw new FuzzInvariantException($"Decapsulate wrote in front of the packet (byte {i - offset}), status {status}");
            }
        }
    }

    private static void RawUdpPayload(EspSaTable table, ReadOnlySpan<byte> payload)
    {
        byte[] buffer = payload.ToArray();
        EspStatus status = Decapsulator.DecapsulateUdpPayload(table, buffer, 0, buffer.Length, out EspSa? sa, out int po, out int pl, out _);
        CheckResult(status, sa, po, pl, 0, buffer.Length);
    }

    private static void CheckResult(EspStatus status, EspSa? sa, int packetOffset, int packetLength, int offset, int length)
    {
        if (!Enum.IsDefined(status))
        {
            throw new FuzzInvariantException($"undefined status {(int)status}");
        }

        if (status != EspStatus.Ok)
        {
            return;
        }

        if (sa is null || packetLength < 0 || packetOffset < offset || packetOffset + packetLength > offset + length)
        {
            throw new FuzzInvariantException(
                $"Ok with SA {(sa is null ? "null" : $"0x{sa.Spi:x8}")} and result [{packetOffset}, +{packetLength}) outside the input [{offset}, +{length})");
        }
    }

    private static void SealThenOpen(EspSaTable table, byte selector, ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty || rest.Length - 1 > MaxSealedPayload)
        {
            return;
        }

        EspProfile profile = EspProfile.All[selector & 0x07];
        byte nextHeader = rest[0];
        ReadOnlySpan<byte> payload = rest[1..];
        bool viaUdpPayload = profile.Udp && (selector & SealedViaUdpPayload) != 0;

        using EspSa outbound = profile.Create(EspDirection.Outbound);
        byte[] packet = OuterPacket.Seal(outbound, profile, payload, nextHeader, (selector & SealedWithOptions) != 0, out int espOffset, out int espLength, out int headerLength);
        byte[] copy = packet.ToArray();

        EspStatus status = Open(table, packet, viaUdpPayload, espOffset, espLength, out int po, out int pl, out byte udpNextHeader);
        CheckSealed(profile, status, packet, payload, nextHeader, viaUdpPayload, espOffset, headerLength, po, pl, udpNextHeader);

        if ((selector & SealedReplayTwice) != 0)
        {
            EspStatus again = Open(table, copy, viaUdpPayload, espOffset, espLength, out _, out _, out _);
            if (again != EspStatus.Replay)
            {
                throw new FuzzInvariantException($"the same sealed packet delivered twice gave {status}, then {again} (expected Replay)");
            }
        }
    }

    private static EspStatus Open(EspSaTable table, byte[] packet, bool viaUdpPayload, int espOffset, int espLength, out int po, out int pl, out byte nextHeader)
    {
        nextHeader = 0;
        return viaUdpPayload
            ? Decapsulator.DecapsulateUdpPayload(table, packet, espOffset, espLength, out _, out po, out pl, out nextHeader)
            : Decapsulator.Decapsulate(table, packet, 0, packet.Length, out _, out po, out pl);
    }

    private static void CheckSealed(
        EspProfile profile, EspStatus status, byte[] packet, ReadOnlySpan<byte> payload, byte nextHeader, bool viaUdpPayload,
        int espOffset, int headerLength, int po, int pl, byte udpNextHeader)
    {
        EspStatus expected;
        if (nextHeader == EspSa.NoNextHeader)
        {
            expected = EspStatus.DummyPacket;
        }
        else if (profile.Mode == EspMode.Tunnel && nextHeader is not (IpProtocol.IPv4 or IpProtocol.IPv6))
        {
            expected = EspStatus.BadNextHeader;
        }
        else
        {
            expected = EspStatus.Ok;
        }

        bool acceptable = status == expected || (expected == EspStatus.Ok && profile.Mode == EspMode.Tunnel && status == EspStatus.BadInnerPacket);
        if (!acceptable)
        {
            throw new FuzzInvariantException(
                $"profile 0x{profile.Spi:x}: a packet we sealed (Next Header {nextHeader}, {payload.Length} bytes) opened as {status}, expected {expected}");
        }

        if (status != EspStatus.Ok)
        {
            return;
        }

        int payloadOffset = espOffset + EspSa.PayloadOffset;
        if (profile.Mode == EspMode.Tunnel)
        {
            // The inner packet stays where it was sealed; TFC padding behind it (here: none, or garbage) is cut.
            if (po != payloadOffset || pl > payload.Length || !packet.AsSpan(po, pl).SequenceEqual(payload[..pl]))
            {
                throw new FuzzInvariantException($"tunnel: result [{po}, +{pl}) is not a prefix of the {payload.Length}-byte inner packet");
            }

            return;
        }

        if (viaUdpPayload)
        {
            if (po != payloadOffset || pl != payload.Length || udpNextHeader != nextHeader || !packet.AsSpan(po, pl).SequenceEqual(payload))
            {
                throw new FuzzInvariantException($"transport, UDP payload: result [{po}, +{pl}) NH {udpNextHeader} is not the sealed payload (NH {nextHeader})");
            }

            return;
        }

        // Transport mode: the original header moved back in front of the payload; the payload itself is untouched
        // unless the NAT-T checksum fix-up (TCP, UDP) rewrote its checksum field.
        if (pl != headerLength + payload.Length || po + pl > packet.Length || po < 0)
        {
            throw new FuzzInvariantException($"transport: result length {pl}, expected {headerLength} + {payload.Length}");
        }

        bool checksumRewritten = profile.Udp && nextHeader is IpProtocol.Tcp or IpProtocol.Udp;
        if (!checksumRewritten && !packet.AsSpan(po + headerLength, payload.Length).SequenceEqual(payload))
        {
            throw new FuzzInvariantException("transport: the payload changed on the way through");
        }

        int lengthField = profile.IPv6
            ? BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(po + 4)) + 40
            : BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(po + 2));
        if (lengthField != pl)
        {
            throw new FuzzInvariantException($"transport: the rebuilt IP header says {lengthField} bytes, the packet has {pl}");
        }
    }
}
