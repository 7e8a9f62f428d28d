using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using IpsecFw.Esp.Crypto;
using IpsecFw.Esp.Sa;

namespace IpsecFw.Esp.Tests.Vectors;

/// <summary>
/// The RFC 7634 Appendix A ESP packet (tunnel mode, ENCR_CHACHA20_POLY1305, SPI 0x01020304, sequence number 5,
/// IV 0x1011121314151617), as reproduced in strongSwan's libipsec test_chapoly.c.
/// </summary>
public sealed class Rfc7634EspPacketTests(ITestOutputHelper output)
{
    private const uint RfcSpi = 0x01020304;
    private const byte IpInIp = 4;
    private const int OuterHeaderRoom = 20;

    [Fact]
    public void Inbound_sa_opens_the_rfc_packet_to_the_inner_ip_packet()
    {
        EspPacketVector v = Load();
        using var sa = new EspSa(Config(EspDirection.Inbound, v.KeyMaterial));

        // The ESP packet behind room for an outer IPv4 header, so offsets other than 0 are exercised.
        byte[] buffer = new byte[OuterHeaderRoom + v.Packet.Length];
        v.Packet.CopyTo(buffer, OuterHeaderRoom);
        EspStatus status = sa.Open(buffer, OuterHeaderRoom, v.Packet.Length, out int payloadOffset, out int payloadLength, out byte nextHeader);

        Assert.Equal(EspStatus.Ok, status);
        Assert.Equal(IpInIp, nextHeader);
        Assert.Equal(OuterHeaderRoom + EspSa.PayloadOffset, payloadOffset);
        AeadKat.Same(v.Inner, buffer.AsSpan(payloadOffset, payloadLength), "RFC 7634 A: inner packet opened by EspSa");
        Assert.Equal((ulong)v.Sequence, sa.LastSequence);
    }

    [Fact]
    public void Rfc_packet_is_reproduced_byte_for_byte_and_outbound_sa_seals_seq_5_consistently()
    {
        EspPacketVector v = Load();
        ReadOnlySpan<byte> packet = v.Packet;
        byte[] aad = packet[..EspSa.HeaderSize].ToArray();                       // SPI || 32-bit sequence number
        byte[] rfcIv = packet.Slice(EspSa.HeaderSize, EspSa.IvSize).ToArray();
        byte[] rfcCiphertext = packet[EspSa.PayloadOffset..^EspSa.IcvSize].ToArray();
        byte[] rfcIcv = packet[^EspSa.IcvSize..].ToArray();

        // The RFC plaintext (inner packet, RFC 4303 padding 1, 2, ..., Pad Length, Next Header 4), built here from the
        // inner packet and required to equal the transcriber's derived plaintext.
        int padLength = (4 - ((v.Inner.Length + 2) % 4)) % 4;
        byte[] plaintext = [.. v.Inner, .. Enumerable.Range(1, padLength).Select(i => (byte)i), (byte)padLength, IpInIp];
        AeadKat.Same(v.DerivedPlaintext, plaintext, "RFC 7634 A: plaintext (inner || padding || pad length || next header)");
        Assert.Equal(plaintext.Length, rfcCiphertext.Length);

        // BYTE-FOR-BYTE CHECK 1 (AEAD level): ChaCha20-Poly1305 with nonce = salt || RFC IV and AAD = SPI || seq seals
        // the plaintext to exactly the RFC's ciphertext and ICV, and opens them back.
        byte[] rfcNonce = [.. v.Salt, .. rfcIv];
        using (var aead = new ChaCha20Poly1305Aead(v.Key))
        {
            AeadKat.SealsAndOpens(aead, rfcNonce, aad, plaintext, rfcCiphertext, rfcIcv, "RFC 7634 A: ESP payload at AEAD level");
        }

        // EspSa always sends the 64-bit sequence number as the IV; the RFC example uses another IV, so the whole packet
        // can only be compared byte for byte with EspSa.Seal output when the two coincide.
        ulong ivValue = BinaryPrimitives.ReadUInt64BigEndian(rfcIv);
        bool ivIsSequence = ivValue == v.Sequence;

        using var outbound = new EspSa(Config(EspDirection.Outbound, v.KeyMaterial));
        outbound.SetLastSequenceForTesting(v.Sequence - 1UL);
        int payloadOffset = OuterHeaderRoom + EspSa.PayloadOffset;
        byte[] buffer = new byte[payloadOffset + v.Inner.Length + outbound.TrailerSize(v.Inner.Length)];
        v.Inner.CopyTo(buffer, payloadOffset);
        Assert.Equal(EspStatus.Ok, outbound.Seal(buffer, payloadOffset, v.Inner.Length, IpInIp, out int espOffset, out int espLength));
        Assert.Equal(OuterHeaderRoom, espOffset);
        byte[] sealedPacket = buffer.AsSpan(espOffset, espLength).ToArray();

        if (ivIsSequence)
        {
            // BYTE-FOR-BYTE CHECK 2a (whole packet): only reachable when the vector's IV is its sequence number.
            AeadKat.Same(v.Packet, sealedPacket, "RFC 7634 A: EspSa.Seal of seq 5");
        }
        else
        {
            // Same length, and SPI || seq 5 byte for byte; the IV is EspSa's own (seq as 64 bits, RFC 4106 3.1 style).
            Assert.Equal(v.Packet.Length, espLength);
            AeadKat.Same(aad, sealedPacket.AsSpan(0, EspSa.HeaderSize), "EspSa.Seal of seq 5: SPI || sequence number");
            byte[] ourIv = new byte[EspSa.IvSize];
            BinaryPrimitives.WriteUInt64BigEndian(ourIv, v.Sequence);
            AeadKat.Same(ourIv, sealedPacket.AsSpan(EspSa.HeaderSize, EspSa.IvSize), "EspSa.Seal of seq 5: IV = 64-bit sequence number");

            // BYTE-FOR-BYTE CHECK 2b (EspSa with its own IV): EspSa's ciphertext and ICV equal the AEAD-level sealing of
            // the RFC plaintext (same padding, pad length and next header) with nonce = salt || EspSa's IV.
            using var aead = new ChaCha20Poly1305Aead(v.Key);
            AeadKat.SealsAndOpens(aead, [.. v.Salt, .. ourIv], aad, plaintext,
                sealedPacket[EspSa.PayloadOffset..^EspSa.IcvSize], sealedPacket[^EspSa.IcvSize..], "EspSa.Seal of seq 5 at AEAD level");
        }

        // Round trip (not byte-for-byte against the RFC): a fresh inbound SA with the same keys opens EspSa's packet.
        using var inbound = new EspSa(Config(EspDirection.Inbound, v.KeyMaterial));
        Assert.Equal(EspStatus.Ok, inbound.Open(sealedPacket, 0, sealedPacket.Length, out int innerOffset, out int innerLength, out byte nextHeader));
        Assert.Equal(IpInIp, nextHeader);
        AeadKat.Same(v.Inner, sealedPacket.AsSpan(innerOffset, innerLength), "EspSa round trip of seq 5");

        output.WriteLine(
            $"RFC 7634 A: RFC IV {Convert.ToHexStringLower(rfcIv)} {(ivIsSequence ? "equals" : "differs from")} the sequence number {v.Sequence}; " +
            (ivIsSequence
                ? "EspSa.Seal output compared byte for byte with the whole RFC packet."
                : "RFC packet reproduced byte for byte at AEAD level; EspSa.Seal output (IV = seq) checked byte for byte against the AEAD with its own IV, and opened back."));
    }

    private static EspSaConfig Config(EspDirection direction, byte[] keyMaterial) => new()
    {
        Spi = RfcSpi,
        Direction = direction,
        Cipher = EspCipher.ChaCha20Poly1305,
        KeyMaterial = keyMaterial,
        Mode = EspMode.Tunnel,
    };

    private static EspPacketVector Load()
    {
        string path = TestData.Shared("strongswan/rfc7634_chapoly_packets.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement e = document.RootElement.GetProperty("esp_packet");
        var v = new EspPacketVector(
            Hex(e, "keymat_hex"),
            Hex(e, "key_hex"),
            Hex(e, "salt_hex"),
            uint.Parse(e.GetProperty("spi").GetString()!, NumberStyles.HexNumber, CultureInfo.InvariantCulture),
            e.GetProperty("sequence_number").GetUInt32(),
            Hex(e, "inner_ip_packet_hex"),
            Hex(e, "esp_packet_hex"),
            Convert.FromHexString(e.GetProperty("derived_by_this_transcriber")
                .GetProperty("plaintext_hex (inner packet || padding || pad length || next header)").GetString()!));

        // The vector's own fields must agree with each other and with the packet header before anything is tested.
        Assert.Equal(RfcSpi, v.Spi);
        AeadKat.Same([.. v.Key, .. v.Salt], v.KeyMaterial, "keymat = key || salt");
        Assert.Equal(v.Spi, BinaryPrimitives.ReadUInt32BigEndian(v.Packet));
        Assert.Equal(v.Sequence, BinaryPrimitives.ReadUInt32BigEndian(v.Packet.AsSpan(4)));
        AeadKat.Same(Hex(e, "iv_hex"), v.Packet.AsSpan(EspSa.HeaderSize, EspSa.IvSize), "IV in the packet");
        return v;
    }

    private static byte[] Hex(JsonElement e, string name) => Convert.FromHexString(e.GetProperty(name).GetString()!);
}
