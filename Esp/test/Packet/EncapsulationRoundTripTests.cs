using System.Buffers.Binary;
using System.Net;
using IpsecFw.Esp.Packet;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.Tests.Packet;

public sealed class EncapsulationRoundTripTests
{
    private static readonly byte[] Keymat36 = Convert.FromHexString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fcafebabe");

    private static (EspSa Out, EspSa In) Pair(EspMode mode, IPAddress local, IPAddress remote, bool udp, EspCipher cipher = EspCipher.AesGcm256, bool esn = false, int tfc = 0)
    {
        byte[] keymat = cipher == EspCipher.AesGcm128 ? Keymat36[..20] : Keymat36;
        var common = new EspSaConfig
        {
            Spi = 0xC0FFEE01,
            Direction = EspDirection.Outbound,
            Cipher = cipher,
            KeyMaterial = keymat,
            Mode = mode,
            ExtendedSequenceNumbers = esn,
            LocalAddress = local,
            RemoteAddress = remote,
            UdpEncapsulation = udp ? new UdpEncapsulationPorts(4500, 4500) : null,
            TfcPadTo = tfc,
        };
        return (new EspSa(common), new EspSa(common with { Direction = EspDirection.Inbound, LocalAddress = remote, RemoteAddress = local }));
    }

    public static TheoryData<string, string, bool> TunnelCases() => new()
    {
        { "v4", "v4", false }, { "v4", "v4", true }, { "v6", "v6", false }, { "v6", "v6", true },
        { "v4", "v6", false }, { "v6", "v4", true },
    };

    [Theory]
    [MemberData(nameof(TunnelCases))]
    public void Tunnel_round_trip_restores_the_inner_packet(string innerFamily, string outerFamily, bool udp)
    {
        bool outerV6 = outerFamily == "v6";
        (EspSa outbound, EspSa inbound) = Pair(EspMode.Tunnel, outerV6 ? TestPackets.V6A : TestPackets.V4A, outerV6 ? TestPackets.V6B : TestPackets.V4B, udp);
        using var table = new EspSaTable();
        Assert.True(table.TryAdd(inbound));

        foreach (int size in new[] { 0, 1, 3, 100, 1400 })
        {
            byte[] inner = innerFamily == "v6" ? TestPackets.Udp6(TestPackets.V6A, TestPackets.V6B, size) : TestPackets.Udp4(TestPackets.V4InnerA, TestPackets.V4InnerB, size, tos: 0xB8);
            var buffer = new byte[Encapsulator.MaxHeadroom + inner.Length + 64];
            inner.CopyTo(buffer, Encapsulator.MaxHeadroom);

            Assert.Equal(EspStatus.Ok, Encapsulator.EncapsulateTunnel(outbound, buffer, Encapsulator.MaxHeadroom, inner.Length, out int po, out int pl));
            ReadOnlySpan<byte> outer = buffer.AsSpan(po, pl);
            Assert.Equal(outerV6 ? 6 : 4, outer[0] >> 4);
            int ipLen = outerV6 ? 40 : 20;
            Assert.Equal(udp ? IpProtocol.Udp : IpProtocol.Esp, outerV6 ? outer[6] : outer[9]);
            if (!outerV6)
            {
                Assert.Equal(pl, BinaryPrimitives.ReadUInt16BigEndian(outer[2..]));
                Assert.Equal(0, InternetChecksum.Compute(outer[..20]) & 0xFFFF);
            }

            int espAt = ipLen + (udp ? 8 : 0);
            Assert.Equal(0xC0FFEE01u, BinaryPrimitives.ReadUInt32BigEndian(outer[espAt..]));
            Assert.Equal(0, (pl - espAt - EspSa.PayloadOffset - EspSa.IcvSize) % 4);

            Assert.Equal(EspStatus.Ok, Decapsulator.Decapsulate(table, buffer, po, pl, out EspSa? sa, out int io, out int il));
            Assert.Same(inbound, sa);
            Assert.Equal(inner, buffer.AsSpan(io, il).ToArray());
        }
    }

    [Theory]
    [InlineData("v4", false)]
    [InlineData("v4", true)]
    [InlineData("v6", false)]
    [InlineData("v6", true)]
    [InlineData("v6hbh", false)]
    public void Transport_round_trip_restores_the_original_packet(string family, bool udp)
    {
        bool v6 = family.StartsWith("v6", StringComparison.Ordinal);
        (EspSa outbound, EspSa inbound) = Pair(EspMode.Transport, v6 ? TestPackets.V6A : TestPackets.V4A, v6 ? TestPackets.V6B : TestPackets.V4B, udp, EspCipher.AesGcm128);
        using var table = new EspSaTable();
        table.TryAdd(inbound);

        foreach (int size in new[] { 0, 5, 1000 })
        {
            byte[] original = v6 ? TestPackets.Udp6(TestPackets.V6A, TestPackets.V6B, size, hopByHop: family == "v6hbh") : TestPackets.Udp4(TestPackets.V4A, TestPackets.V4B, size);
            var buffer = new byte[Encapsulator.MaxHeadroom + original.Length + 64];
            original.CopyTo(buffer, Encapsulator.MaxHeadroom);

            Assert.Equal(EspStatus.Ok, Encapsulator.EncapsulateTransport(outbound, buffer, Encapsulator.MaxHeadroom, original.Length, out int po, out int pl));
            ReadOnlySpan<byte> sealedPacket = buffer.AsSpan(po, pl);
            int headerLength = v6 ? (family == "v6hbh" ? 48 : 40) : 20;
            byte expectedProtocol = udp ? IpProtocol.Udp : IpProtocol.Esp;
            Assert.Equal(expectedProtocol, v6 ? (family == "v6hbh" ? sealedPacket[40] : sealedPacket[6]) : sealedPacket[9]);
            // Addresses are unchanged; the length field covers the whole ESP packet.
            Assert.Equal(v6 ? original[8..40] : original[12..20], v6 ? sealedPacket[8..40].ToArray() : sealedPacket[12..20].ToArray());
            Assert.Equal(pl, v6 ? 40 + BinaryPrimitives.ReadUInt16BigEndian(sealedPacket[4..]) : BinaryPrimitives.ReadUInt16BigEndian(sealedPacket[2..]));
            int espAt = headerLength + (udp ? 8 : 0);
            Assert.Equal(0xC0FFEE01u, BinaryPrimitives.ReadUInt32BigEndian(sealedPacket[espAt..]));
            Assert.Equal(original.Length - headerLength, pl - espAt - EspSa.PayloadOffset - EspSa.IcvSize - 2 - ((4 - ((original.Length - headerLength + 2) & 3)) & 3));

            Assert.Equal(EspStatus.Ok, Decapsulator.Decapsulate(table, buffer, po, pl, out _, out int io, out int il));
            Assert.Equal(original, buffer.AsSpan(io, il).ToArray());
        }
    }

    [Fact]
    public void Tfc_padding_is_sent_and_stripped()
    {
        (EspSa outbound, EspSa inbound) = Pair(EspMode.Tunnel, TestPackets.V4A, TestPackets.V4B, udp: false, tfc: 1000);
        using var table = new EspSaTable();
        table.TryAdd(inbound);
        byte[] inner = TestPackets.Udp4(TestPackets.V4InnerA, TestPackets.V4InnerB, 10);
        var buffer = new byte[Encapsulator.MaxHeadroom + 1100];
        inner.CopyTo(buffer, Encapsulator.MaxHeadroom);
        Assert.Equal(EspStatus.Ok, Encapsulator.EncapsulateTunnel(outbound, buffer, Encapsulator.MaxHeadroom, inner.Length, out int po, out int pl));
        // 20 outer + 16 ESP header/IV + 1000 TFC-padded payload + 2 padding + 2 trailer + 16 ICV.
        Assert.Equal(20 + 16 + 1000 + 2 + 2 + 16, pl);
        Assert.Equal(EspStatus.Ok, Decapsulator.Decapsulate(table, buffer, po, pl, out _, out int io, out int il));
        Assert.Equal(inner, buffer.AsSpan(io, il).ToArray());
    }

    [Fact]
    public void Unknown_spi_keepalive_ike_and_fragments_are_told_apart_and_counted()
    {
        (EspSa outbound, EspSa inbound) = Pair(EspMode.Tunnel, TestPackets.V4A, TestPackets.V4B, udp: true);
        using var table = new EspSaTable();
        byte[] inner = TestPackets.Udp4(TestPackets.V4InnerA, TestPackets.V4InnerB, 10);
        var buffer = new byte[Encapsulator.MaxHeadroom + 200];
        inner.CopyTo(buffer, Encapsulator.MaxHeadroom);
        Assert.Equal(EspStatus.Ok, Encapsulator.EncapsulateTunnel(outbound, buffer, Encapsulator.MaxHeadroom, inner.Length, out int po, out int pl));
        byte[] packet = buffer.AsSpan(po, pl).ToArray();

        Assert.Equal(EspStatus.UnknownSpi, Decapsulator.Decapsulate(table, packet.ToArray(), 0, packet.Length, out _, out _, out _));
        Assert.Equal(1, table.GetDropCount(EspStatus.UnknownSpi));

        // The same datagram made a NAT-keepalive: UDP payload 0xFF.
        byte[] keepalive = packet[..29];
        BinaryPrimitives.WriteUInt16BigEndian(keepalive.AsSpan(2), 29);
        BinaryPrimitives.WriteUInt16BigEndian(keepalive.AsSpan(24), 9);
        keepalive[28] = 0xFF;
        Assert.Equal(EspStatus.NatKeepalive, Decapsulator.Decapsulate(table, keepalive, 0, keepalive.Length, out _, out _, out _));
        Assert.Equal(1, table.GetDropCount(EspStatus.NatKeepalive));

        // IKE behind the non-ESP marker is not ESP, and not counted as a drop.
        byte[] ike = packet.ToArray();
        ike.AsSpan(28, 4).Clear();
        Assert.Equal(EspStatus.NotEsp, Decapsulator.Decapsulate(table, ike, 0, ike.Length, out _, out _, out _));

        // A fragment of the outer packet.
        byte[] fragment = packet.ToArray();
        fragment[6] = 0x20;   // MF
        Assert.Equal(EspStatus.OuterFragment, Decapsulator.Decapsulate(table, fragment, 0, fragment.Length, out _, out _, out _));

        // Truncated below the UDP header, and garbage.
        Assert.Equal(EspStatus.Malformed, Decapsulator.Decapsulate(table, packet, 0, 10, out _, out _, out _));
        Assert.Equal(EspStatus.Malformed, Decapsulator.Decapsulate(table, new byte[] { 0x99, 1, 2 }, 0, 3, out _, out _, out _));

        // With the SA present the original packet opens.
        table.TryAdd(inbound);
        Assert.Equal(EspStatus.Ok, Decapsulator.Decapsulate(table, packet, 0, packet.Length, out _, out _, out _));
    }

    [Theory]
    [InlineData(new byte[] { 0xFF }, UdpPayloadKind.NatKeepalive)]
    [InlineData(new byte[] { 0, 0, 0 }, UdpPayloadKind.Invalid)]
    [InlineData(new byte[] { 0, 0, 0, 0, 1 }, UdpPayloadKind.Invalid)]
    [InlineData(new byte[] { 0, 0, 0, 200, 0, 0, 0, 1 }, UdpPayloadKind.Invalid)]
    [InlineData(new byte[] { 0, 0, 1, 0, 0, 0, 0, 1 }, UdpPayloadKind.Esp)]
    public void Udp_payloads_are_classified_as_RFC_3948_says(byte[] payload, UdpPayloadKind expected) =>
        Assert.Equal(expected, UdpEncapsulation.Classify(payload));

    [Fact]
    public void Ike_behind_the_marker_is_recognised()
    {
        var ike = new byte[4 + 28];
        ike[4] = 1;
        Assert.Equal(UdpPayloadKind.Ike, UdpEncapsulation.Classify(ike));
    }

    [Fact]
    public void Tunnel_mode_rejects_a_payload_that_is_not_the_announced_IP_version()
    {
        (EspSa outbound, EspSa inbound) = Pair(EspMode.Tunnel, TestPackets.V4A, TestPackets.V4B, udp: false);
        using var table = new EspSaTable();
        table.TryAdd(inbound);

        // Seal a payload that claims Next Header 4 but is not an IPv4 packet.
        var buffer = new byte[Encapsulator.MaxHeadroom + 200];
        byte[] header = TestPackets.Udp4(TestPackets.V4A, TestPackets.V4B, 0)[..20];
        header.CopyTo(buffer, 0);
        Assert.Equal(EspStatus.Ok, outbound.Seal(buffer, 20 + EspSa.PayloadOffset, 30, IpProtocol.IPv4, out int eo, out int el));
        header.CopyTo(buffer, eo - 20);
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(eo - 20 + 2), (ushort)(20 + el));
        buffer[eo - 20 + 9] = IpProtocol.Esp;
        Encapsulator.FixIpv4Checksum(buffer.AsSpan(eo - 20, 20));
        Assert.Equal(EspStatus.BadInnerPacket, Decapsulator.Decapsulate(table, buffer, eo - 20, 20 + el, out _, out _, out _));
        Assert.Equal(1, inbound.GetDropCount(EspStatus.BadInnerPacket));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Transport_mode_behind_a_NAT_fixes_the_UDP_checksum_for_the_translated_address(bool v6)
    {
        // RFC 3948 3.1.2. The sender checksums the UDP segment over its own address; a NAT rewrites the outer source
        // address; after decapsulation the segment's checksum must be valid for the address the receiver sees.
        IPAddress sender = v6 ? TestPackets.V6A : TestPackets.V4A;
        IPAddress receiver = v6 ? TestPackets.V6B : TestPackets.V4B;
        IPAddress translated = v6 ? IPAddress.Parse("2001:2::99") : IPAddress.Parse("198.18.9.9");
        (EspSa outbound, EspSa inbound) = Pair(EspMode.Transport, sender, receiver, udp: true, EspCipher.AesGcm128);
        using var table = new EspSaTable();
        table.TryAdd(inbound);

        byte[] original = v6 ? TestPackets.Udp6(sender, receiver, 33) : TestPackets.Udp4(sender, receiver, 33);
        int header = v6 ? 40 : 20;
        original[header + 6] = 1;   // a non-zero placeholder: IPv4 UDP with checksum 0 means "no checksum"
        TransportChecksumRecompute(original, header, v6);
        Assert.True(UdpChecksumIsValid(original, header, v6));

        var buffer = new byte[Encapsulator.MaxHeadroom + original.Length + 64];
        original.CopyTo(buffer, Encapsulator.MaxHeadroom);
        Assert.Equal(EspStatus.Ok, Encapsulator.EncapsulateTransport(outbound, buffer, Encapsulator.MaxHeadroom, original.Length, out int po, out int pl));

        // The NAT: new source address, IPv4 header checksum fixed (the outer UDP checksum is 0 over IPv4, and over
        // IPv6 we recompute it as a NAT66 would).
        Span<byte> onWire = buffer.AsSpan(po, pl);
        translated.TryWriteBytes(v6 ? onWire.Slice(8, 16) : onWire.Slice(12, 4), out _);
        if (v6)
        {
            Span<byte> udp = onWire[40..];
            BinaryPrimitives.WriteUInt16BigEndian(udp[6..], Encapsulator.UdpChecksumV6(onWire[8..24], onWire[24..40], udp));
        }
        else
        {
            Encapsulator.FixIpv4Checksum(onWire[..20]);
        }

        Assert.Equal(EspStatus.Ok, Decapsulator.Decapsulate(table, buffer, po, pl, out _, out int io, out int il));
        byte[] received = buffer.AsSpan(io, il).ToArray();
        Assert.True(UdpChecksumIsValid(received, header, v6));
        Assert.Equal(original[(header + 8)..], received[(header + 8)..]);
        Assert.False(UdpChecksumIsValid(WithSource(original, translated, v6), header, v6) && original[header + 6] == received[header + 6] && original[header + 7] == received[header + 7],
            "the checksum must have changed with the address");
    }

    private static byte[] WithSource(byte[] packet, IPAddress source, bool v6)
    {
        byte[] copy = packet.ToArray();
        source.TryWriteBytes(v6 ? copy.AsSpan(8, 16) : copy.AsSpan(12, 4), out _);
        return copy;
    }

    private static void TransportChecksumRecompute(byte[] packet, int header, bool v6) =>
        IpsecFw.Esp.Packet.TransportChecksum.Recompute(packet, header, v6, IpProtocol.Udp);

    /// <summary>Independent check: the one's-complement sum over pseudo-header and segment is all ones.</summary>
    private static bool UdpChecksumIsValid(byte[] packet, int header, bool v6)
    {
        int length = packet.Length - header;
        var pseudo = new List<byte>();
        pseudo.AddRange(v6 ? packet[8..40] : packet[12..20]);
        pseudo.AddRange(v6 ? new byte[] { 0, 0, (byte)(length >> 8), (byte)length, 0, 0, 0, 17 } : new byte[] { 0, 17, (byte)(length >> 8), (byte)length });
        pseudo.AddRange(packet[header..]);
        if (pseudo.Count % 2 == 1)
        {
            pseudo.Add(0);
        }

        uint sum = 0;
        for (int i = 0; i < pseudo.Count; i += 2)
        {
            sum += (uint)((pseudo[i] << 8) | pseudo[i + 1]);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return sum == 0xFFFF;
    }
}
