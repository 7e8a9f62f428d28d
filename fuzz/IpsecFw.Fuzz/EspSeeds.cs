using System.Buffers.Binary;
using System.Net;
using IpsecFw.Esp;
using IpsecFw.Esp.Packet;
using IpsecFw.Esp.Sa;
using IpsecFw.Fuzz.Fuzzers;

namespace IpsecFw.Fuzz;

/// <summary>
/// Writes the EspDecapsulate seed corpus: whole ESP packets made by our own <see cref="Encapsulator"/> with the
/// outbound twins of the fuzz table's SAs (so they open on the raw paths), their UDP payloads, sealed-path inputs for
/// every profile, and a few datagrams that are not ESP at all. Deterministic: the same files every time.
/// </summary>
internal static class EspSeeds
{
    private static readonly IPAddress s_innerA = IPAddress.Parse("198.19.1.1");
    private static readonly IPAddress s_innerB = IPAddress.Parse("198.19.2.1");
    private static readonly IPAddress s_inner6A = IPAddress.Parse("2001:db8:1::1");
    private static readonly IPAddress s_inner6B = IPAddress.Parse("2001:db8:2::1");

    public static int Write(string folder)
    {
        Directory.CreateDirectory(folder);
        int count = 0;
        void Save(string name, byte selector, ReadOnlySpan<byte> body)
        {
            byte[] bytes = [selector, .. body];
            File.WriteAllBytes(Path.Combine(folder, name + ".bin"), bytes);
            count++;
        }

        for (int i = 0; i < EspProfile.All.Length; i++)
        {
            EspProfile profile = EspProfile.All[i];
            string tag = $"{i}-{(profile.Mode == EspMode.Tunnel ? "tunnel" : "transport")}-{(profile.IPv6 ? "v6" : "v4")}{(profile.Udp ? "-udp" : "")}";
            foreach ((string kind, byte[] inner) in InnerPackets(profile))
            {
                byte[] packet = Encapsulate(profile, inner);
                CheckOpens(packet);
                Save($"raw-{tag}-{kind}", EspDecapsulateFuzzer.RawPacket, packet);
                if (kind == "udp8")
                {
                    Save($"guard-{tag}-{kind}", EspDecapsulateFuzzer.RawPacketWithGuard, packet);
                    if (profile.Udp)
                    {
                        int espAt = (profile.IPv6 ? 40 : 20) + UdpEncapsulation.UdpHeaderSize;
                        Save($"udppayload-{tag}-{kind}", EspDecapsulateFuzzer.UdpPayload, packet.AsSpan(espAt));
                    }
                }
            }

            // Sealed path: Next Header, then the payload (an inner packet in tunnel mode, a UDP segment in transport).
            byte[] sample = profile.Mode == EspMode.Tunnel ? Udp4(s_innerA, s_innerB, 12) : Udp4(profile.Sender, profile.Receiver, 12);
            byte next = profile.Mode == EspMode.Tunnel ? IpProtocol.IPv4 : IpProtocol.Udp;
            byte sealedSelector = (byte)(EspDecapsulateFuzzer.Sealed | i);
            byte[] body = [next, .. sample.AsSpan(profile.Mode == EspMode.Tunnel ? 0 : 20)];
            Save($"sealed-{tag}", sealedSelector, body);
            Save($"sealed-{tag}-options-replay", (byte)(sealedSelector | EspDecapsulateFuzzer.SealedWithOptions | EspDecapsulateFuzzer.SealedReplayTwice), body);
            if (profile.Udp)
            {
                Save($"sealed-{tag}-udppayload", (byte)(sealedSelector | EspDecapsulateFuzzer.SealedViaUdpPayload), body);
            }
        }

        // Not ESP, or not ours: a NAT keep-alive, IKE behind the non-ESP marker, a reserved SPI, an unknown SPI.
        Save("udppayload-keepalive", EspDecapsulateFuzzer.UdpPayload, [0xFF]);
        byte[] ike = new byte[4 + 28];
        ike[4 + 17] = 0x20;
        Save("udppayload-ike-marker", EspDecapsulateFuzzer.UdpPayload, ike);
        Save("udppayload-reserved-spi", EspDecapsulateFuzzer.UdpPayload, [0, 0, 0, 7, 0, 0, 0, 1, .. new byte[32]]);
        Save("udppayload-unknown-spi", EspDecapsulateFuzzer.UdpPayload, [0xDE, 0xAD, 0xBE, 0xEF, 0, 0, 0, 1, .. new byte[32]]);
        Save("sealed-dummy", EspDecapsulateFuzzer.Sealed, [EspSa.NoNextHeader, 1, 2, 3]);
        return count;
    }

    private static IEnumerable<(string Kind, byte[] Inner)> InnerPackets(EspProfile profile)
    {
        if (profile.Mode == EspMode.Tunnel)
        {
            yield return ("udp8", Udp4(s_innerA, s_innerB, 8));
            yield return ("udp0", Udp4(s_innerA, s_innerB, 0));
            yield return ("v6udp8", Udp6(s_inner6A, s_inner6B, 8));
        }
        else if (profile.IPv6)
        {
            yield return ("udp8", Udp6(profile.Sender, profile.Receiver, 8));
            yield return ("udp0", Udp6(profile.Sender, profile.Receiver, 0));
        }
        else
        {
            yield return ("udp8", Udp4(profile.Sender, profile.Receiver, 8));
            yield return ("udp0", Udp4(profile.Sender, profile.Receiver, 0));
        }
    }

    /// <summary>A raw seed is only worth having if a fresh fuzz table opens it.</summary>
    private static void CheckOpens(byte[] packet)
    {
        using var table = new EspSaTable();
        foreach (EspProfile profile in EspProfile.All)
        {
            table.TryAdd(profile.Create(EspDirection.Inbound));
        }

        EspStatus status = Decapsulator.Decapsulate(table, packet.ToArray(), 0, packet.Length, out _, out _, out _);
        if (status != EspStatus.Ok)
        {
            throw new InvalidOperationException($"a seed made by the Encapsulator does not open: {status}");
        }
    }

    private static byte[] Encapsulate(EspProfile profile, byte[] inner)
    {
        using EspSa outbound = profile.Create(EspDirection.Outbound);
        byte[] buffer = new byte[Encapsulator.MaxHeadroom + inner.Length + EspSa.MaxTrailerSize];
        inner.CopyTo(buffer, Encapsulator.MaxHeadroom);
        int offset;
        int length;
        EspStatus status = profile.Mode == EspMode.Tunnel
            ? Encapsulator.EncapsulateTunnel(outbound, buffer, Encapsulator.MaxHeadroom, inner.Length, out offset, out length)
            : Encapsulator.EncapsulateTransport(outbound, buffer, Encapsulator.MaxHeadroom, inner.Length, out offset, out length);
        return status == EspStatus.Ok
            ? buffer.AsSpan(offset, length).ToArray()
            : throw new InvalidOperationException($"profile 0x{profile.Spi:x}: Encapsulator said {status}");
    }

    private static byte[] Udp4(IPAddress source, IPAddress destination, int payloadLength)
    {
        byte[] p = new byte[20 + 8 + payloadLength];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        p[8] = 64;
        p[9] = IpProtocol.Udp;
        source.TryWriteBytes(p.AsSpan(12, 4), out _);
        destination.TryWriteBytes(p.AsSpan(16, 4), out _);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), InternetChecksum.Compute(p.AsSpan(0, 20)));
        WriteUdp(p.AsSpan(20), payloadLength);
        return p;
    }

    private static byte[] Udp6(IPAddress source, IPAddress destination, int payloadLength)
    {
        byte[] p = new byte[40 + 8 + payloadLength];
        BinaryPrimitives.WriteUInt32BigEndian(p, 6u << 28);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(p.Length - 40));
        p[6] = IpProtocol.Udp;
        p[7] = 64;
        source.TryWriteBytes(p.AsSpan(8, 16), out _);
        destination.TryWriteBytes(p.AsSpan(24, 16), out _);
        WriteUdp(p.AsSpan(40), payloadLength);
        return p;
    }

    private static void WriteUdp(Span<byte> udp, int payloadLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(udp, 5000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 6000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payloadLength));
        for (int i = 0; i < payloadLength; i++)
        {
            udp[8 + i] = (byte)(i * 7);
        }
    }
}
