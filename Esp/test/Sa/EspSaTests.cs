using System.Buffers.Binary;
using System.Security.Cryptography;
using IpsecFw.Esp.Crypto;
using IpsecFw.Esp.Sa;
using Microsoft.Extensions.Time.Testing;
using static IpsecFw.Esp.Tests.Sa.EspTestSupport;

namespace IpsecFw.Esp.Tests.Sa;

/// <summary>ESP SA behaviour, one rule of RFC 4303 (or of this engine's contract) per test.</summary>
public sealed class EspSaTests
{
    private const byte Ipv4 = 4;

    private static byte[] Payload(int length, int seed = 7)
    {
        var payload = new byte[length];
        new Random(seed).NextBytes(payload);
        return payload;
    }

    private static EspSa Outbound(EspCipher cipher = EspCipher.AesGcm256, bool esn = false, EspLifetime? lifetime = null,
        TimeProvider? time = null, IEspSaObserver? observer = null, EspMode mode = EspMode.Tunnel, int tfcPadTo = 0) =>
        new(Config(cipher, EspDirection.Outbound) with
        {
            ExtendedSequenceNumbers = esn,
            Lifetime = lifetime ?? EspLifetime.Unlimited,
            Mode = mode,
            TfcPadTo = tfcPadTo,
        }, time, observer);

    private static EspSa Inbound(EspCipher cipher = EspCipher.AesGcm256, bool esn = false, EspLifetime? lifetime = null,
        TimeProvider? time = null, IEspSaObserver? observer = null, int window = ReplayWindow.DefaultSize) =>
        new(Config(cipher, EspDirection.Inbound) with
        {
            ExtendedSequenceNumbers = esn,
            Lifetime = lifetime ?? EspLifetime.Unlimited,
            ReplayWindowSize = window,
        }, time, observer);

    // ---- Anti-replay (RFC 4303 3.4.3) ----

    [Theory]
    [InlineData(EspCipher.AesGcm128, false)]
    [InlineData(EspCipher.AesGcm256, false)]
    [InlineData(EspCipher.ChaCha20Poly1305, false)]
    [InlineData(EspCipher.AesGcm128, true)]
    [InlineData(EspCipher.AesGcm256, true)]
    [InlineData(EspCipher.ChaCha20Poly1305, true)]
    public void The_same_packet_twice_is_a_replay_and_counted(EspCipher cipher, bool esn)
    {
        SkipIfUnsupported(cipher);
        using EspSa outbound = Outbound(cipher, esn);
        using EspSa inbound = Inbound(cipher, esn);
        byte[] payload = Payload(100);
        byte[] packet = SealPacket(outbound, payload, Ipv4);

        Assert.Equal(EspStatus.Ok, OpenCopy(inbound, packet, out byte[] opened, out byte nextHeader));
        Assert.Equal(payload, opened);
        Assert.Equal(Ipv4, nextHeader);
        Assert.Equal(EspStatus.Replay, OpenCopy(inbound, packet));
        Assert.Equal(EspStatus.Replay, OpenCopy(inbound, packet));
        Assert.Equal(2, inbound.GetDropCount(EspStatus.Replay));
        Assert.Equal(1, inbound.Packets);
        Assert.Equal(100, inbound.Bytes);
        Assert.Equal(1UL, inbound.LastSequence);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_icv_failure_does_not_advance_the_window(bool esn)
    {
        using EspSa outbound = Outbound(esn: esn);
        using EspSa inbound = Inbound(esn: esn);
        byte[] p1 = SealPacket(outbound, Payload(60, 1), Ipv4);
        byte[] p2 = SealPacket(outbound, Payload(60, 2), Ipv4);
        byte[] p3 = SealPacket(outbound, Payload(60, 3), Ipv4);
        outbound.SetLastSequenceForTesting(4999);
        byte[] p5000 = SealPacket(outbound, Payload(60, 5000), Ipv4);

        // A forged packet far ahead: its ICV is wrong. Had the window moved to 5000, 1 to 3 would lie left of it.
        byte[] forged = (byte[])p5000.Clone();
        forged[^1] ^= 1;
        Assert.Equal(EspStatus.IcvFailure, OpenCopy(inbound, forged));

        // A legitimate packet whose sequence number was rewritten to a high one.
        byte[] rewritten = (byte[])p1.Clone();
        BinaryPrimitives.WriteUInt32BigEndian(rewritten.AsSpan(4), 100_000);
        Assert.Equal(EspStatus.IcvFailure, OpenCopy(inbound, rewritten));
        Assert.Equal(0UL, inbound.LastSequence);

        Assert.Equal(EspStatus.Ok, OpenCopy(inbound, p1));
        Assert.Equal(EspStatus.Ok, OpenCopy(inbound, p3));
        Assert.Equal(EspStatus.Ok, OpenCopy(inbound, p2));
        Assert.Equal(3UL, inbound.LastSequence);
        Assert.Equal(EspStatus.Ok, OpenCopy(inbound, p5000));
        Assert.Equal(5000UL, inbound.LastSequence);

        // 3 is now left of the window: a replay; with ESN the receiver takes it for 2^32 + 3 (RFC 4303 A2.2 case A)
        // and the ICV, computed over the inferred high bits, fails instead.
        Assert.Equal(esn ? EspStatus.IcvFailure : EspStatus.Replay, OpenCopy(inbound, p3));
        Assert.Equal(esn ? 3 : 2, inbound.GetDropCount(EspStatus.IcvFailure));
        Assert.Equal(5000UL, inbound.LastSequence);
        Assert.Equal(4, inbound.Packets);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sequence_number_zero_is_a_replay(bool esn)
    {
        using EspSa outbound = Outbound(esn: esn);
        using EspSa inbound = Inbound(esn: esn);
        byte[] packet = SealPacket(outbound, Payload(20), Ipv4);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), 0);
        Assert.Equal(EspStatus.Replay, OpenCopy(inbound, packet));
    }

    [Fact]
    public void Without_a_window_the_same_packet_opens_twice()
    {
        // RFC 4303 3.4.3: the receiver may turn anti-replay off.
        using EspSa outbound = Outbound();
        using EspSa inbound = Inbound(window: 0);
        byte[] packet = SealPacket(outbound, Payload(20), Ipv4);
        Assert.Equal(EspStatus.Ok, OpenCopy(inbound, packet));
        Assert.Equal(EspStatus.Ok, OpenCopy(inbound, packet));
        Assert.Equal(0, inbound.GetDropCount(EspStatus.Replay));
    }

    // ---- Wire format, built by hand (RFC 4303 2, RFC 4106, RFC 7634) ----

    /// <summary>
    /// Builds an ESP packet by hand: SPI, low sequence bits, the explicit IV, then the plaintext (payload, padding, Pad
    /// Length, Next Header) sealed with nonce = salt || IV and AAD = SPI || sequence (SPI || high || low with ESN).
    /// </summary>
    private static byte[] Craft(EspCipher cipher, byte[] keymat, bool esn, ulong seq, ulong iv, ReadOnlySpan<byte> plaintext, Aead? aead = null)
    {
        var packet = new byte[EspSa.PayloadOffset + plaintext.Length + EspSa.IcvSize];
        BinaryPrimitives.WriteUInt32BigEndian(packet, Spi);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), (uint)seq);
        BinaryPrimitives.WriteUInt64BigEndian(packet.AsSpan(8), iv);
        plaintext.CopyTo(packet.AsSpan(EspSa.PayloadOffset));

        int keyLength = EspSa.KeyLength(cipher);
        var nonce = new byte[12];
        keymat.AsSpan(keyLength, 4).CopyTo(nonce);
        packet.AsSpan(8, 8).CopyTo(nonce.AsSpan(4));
        var aad = new byte[esn ? 12 : 8];
        BinaryPrimitives.WriteUInt32BigEndian(aad, Spi);
        if (esn)
        {
            BinaryPrimitives.WriteUInt64BigEndian(aad.AsSpan(4), seq);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(4), (uint)seq);
        }

        Span<byte> data = packet.AsSpan(EspSa.PayloadOffset, plaintext.Length);
        Span<byte> tag = packet.AsSpan(EspSa.PayloadOffset + plaintext.Length, EspSa.IcvSize);
        if (aead is not null)
        {
            aead.Seal(nonce, aad, data, tag);
        }
        else if (cipher == EspCipher.ChaCha20Poly1305)
        {
            // An independent implementation: the platform's, not ours.
            using var chacha = new ChaCha20Poly1305(keymat.AsSpan(0, keyLength));
            chacha.Encrypt(nonce, data, data, tag, aad);
        }
        else
        {
            using var gcm = new AesGcm(keymat.AsSpan(0, keyLength), EspSa.IcvSize);
            gcm.Encrypt(nonce, data, data, tag, aad);
        }

        return packet;
    }

    private static byte[] Plaintext(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> padding, byte padLength, byte nextHeader) =>
        [.. payload, .. padding, padLength, nextHeader];

    [Theory]
    [InlineData(EspCipher.AesGcm128, false)]
    [InlineData(EspCipher.AesGcm256, false)]
    [InlineData(EspCipher.ChaCha20Poly1305, false)]
    [InlineData(EspCipher.AesGcm128, true)]
    [InlineData(EspCipher.AesGcm256, true)]
    [InlineData(EspCipher.ChaCha20Poly1305, true)]
    public void Seal_writes_the_packet_RFC_4303_and_4106_or_7634_describe(EspCipher cipher, bool esn)
    {
        SkipIfUnsupported(cipher);
        using EspSa outbound = Outbound(cipher, esn);
        ulong seq = esn ? 0x0000_0001_2345_6789UL : 0x1234_5678UL;
        outbound.SetLastSequenceForTesting(seq - 1);
        byte[] payload = Payload(37);

        byte[] packet = SealPacket(outbound, payload, 41);

        // 37 + 2 bytes need 1 byte of padding (1) to end on a 4-byte boundary; this engine's IV is the sequence number.
        byte[] expected = Craft(cipher, KeyMaterial(cipher), esn, seq, iv: seq, Plaintext(payload, [1], 1, 41));
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(packet));
    }

    [Theory]
    [InlineData(EspCipher.AesGcm128, false)]
    [InlineData(EspCipher.AesGcm256, false)]
    [InlineData(EspCipher.ChaCha20Poly1305, false)]
    [InlineData(EspCipher.AesGcm128, true)]
    [InlineData(EspCipher.AesGcm256, true)]
    [InlineData(EspCipher.ChaCha20Poly1305, true)]
    public void Open_checks_the_padding(EspCipher cipher, bool esn)
    {
        SkipIfUnsupported(cipher);
        byte[] keymat = KeyMaterial(cipher);
        using Aead aead = AeadFactory.Create(cipher, keymat.AsSpan(0, EspSa.KeyLength(cipher)));
        using EspSa inbound = Inbound(cipher, esn);
        ulong seq = 0;
        EspStatus Open(byte[] plaintext, out byte[] payload)
        {
            // Any IV will do: the receiver takes the one in the packet.
            byte[] packet = Craft(cipher, keymat, esn, ++seq, iv: 0x1122334455667788UL ^ seq, plaintext, aead);
            return OpenCopy(inbound, packet, out payload, out _);
        }

        // Controls, to show the crafting is right: the least padding, and padding longer than needed (RFC 4303 2.4
        // allows 0 to 255 bytes).
        byte[] five = Payload(5);
        Assert.Equal(EspStatus.Ok, Open(Plaintext(five, [1], 1, Ipv4), out byte[] opened));
        Assert.Equal(five, opened);
        Assert.Equal(EspStatus.Ok, Open(Plaintext(five.AsSpan(0, 1), [1, 2, 3, 4, 5], 5, Ipv4), out opened));
        Assert.Equal(five.AsSpan(0, 1).ToArray(), opened);
        Assert.Equal(EspStatus.Ok, Open(Plaintext([], [1, 2, 3, 4, 5, 6], 6, Ipv4), out opened));
        Assert.Empty(opened);
        Assert.Equal(EspStatus.Ok, Open(Plaintext(Payload(2), [], 0, Ipv4), out opened));
        Assert.Equal(2, opened.Length);

        // Padding bytes that are not 1, 2, 3, ...
        Assert.Equal(EspStatus.BadPadding, Open(Plaintext(five.AsSpan(0, 4), [2, 1], 2, Ipv4), out _));
        Assert.Equal(EspStatus.BadPadding, Open(Plaintext(five.AsSpan(0, 4), [1, 3], 2, Ipv4), out _));
        Assert.Equal(EspStatus.BadPadding, Open(Plaintext(five.AsSpan(0, 4), [0, 0], 2, Ipv4), out _));
        Assert.Equal(EspStatus.BadPadding, Open(Plaintext(five.AsSpan(0, 5), [0], 1, Ipv4), out _));
        Assert.Equal(EspStatus.BadPadding, Open(Plaintext(five.AsSpan(0, 1), [1, 2, 3, 4, 6], 5, Ipv4), out _));
        Assert.Equal(EspStatus.BadPadding, Open(Plaintext([], [2, 2, 3, 4, 5, 6], 6, Ipv4), out _));

        // A Pad Length longer than what precedes it.
        Assert.Equal(EspStatus.BadPadding, Open(Plaintext(five.AsSpan(0, 4), [1, 2], 7, Ipv4), out _));
        Assert.Equal(EspStatus.BadPadding, Open(Plaintext(five.AsSpan(0, 4), [1, 2], 255, Ipv4), out _));
        Assert.Equal(EspStatus.BadPadding, Open(Plaintext([], [1, 2], 3, Ipv4), out _));

        Assert.Equal(9, inbound.GetDropCount(EspStatus.BadPadding));
        Assert.Equal(4, inbound.Packets);
    }

    [Theory]
    [InlineData(EspCipher.AesGcm128)]
    [InlineData(EspCipher.AesGcm256)]
    [InlineData(EspCipher.ChaCha20Poly1305)]
    public void A_dummy_packet_is_authenticated_then_dropped_and_counted(EspCipher cipher)
    {
        SkipIfUnsupported(cipher);
        using EspSa outbound = Outbound(cipher);
        using EspSa inbound = Inbound(cipher);
        byte[] dummy = SealPacket(outbound, Payload(40), EspSa.NoNextHeader);
        byte[] copy = (byte[])dummy.Clone();

        Assert.Equal(EspStatus.DummyPacket, inbound.Open(copy, 0, copy.Length, out int offset, out int length, out byte nextHeader));
        Assert.Equal((0, 0, (byte)0), (offset, length, nextHeader));
        Assert.Equal(1, inbound.GetDropCount(EspStatus.DummyPacket));
        Assert.Equal(1UL, inbound.LastSequence);
        Assert.Equal(EspStatus.Replay, OpenCopy(inbound, dummy));

        // A forged dummy is an ICV failure, not a dummy.
        byte[] forged = SealPacket(outbound, Payload(40), EspSa.NoNextHeader);
        forged[20] ^= 0x10;
        Assert.Equal(EspStatus.IcvFailure, OpenCopy(inbound, forged));
        Assert.Equal(1, inbound.GetDropCount(EspStatus.DummyPacket));
    }

    // ---- TFC padding (RFC 4303 2.7) ----

    [Theory]
    [InlineData(EspMode.Tunnel, 100, 1036)]      // 1000 padded, + 2 bytes padding + Pad Length + Next Header
    [InlineData(EspMode.Tunnel, 0, 1036)]
    [InlineData(EspMode.Tunnel, 998, 1036)]
    [InlineData(EspMode.Tunnel, 999, 1036)]      // one byte of TFC padding
    [InlineData(EspMode.Tunnel, 1001, 1036)]     // longer than the target: 1001 + 1 byte of padding + 2
    [InlineData(EspMode.Tunnel, 1003, 1040)]     // 1003 + 3 + 2
    [InlineData(EspMode.Tunnel, 1000, 1036)]
    [InlineData(EspMode.Tunnel, 1200, 1236)]     // longer than the target: no TFC padding
    [InlineData(EspMode.Transport, 100, 136)]    // transport mode never pads to the target
    public void Tfc_padding_pads_tunnel_packets_to_the_target(EspMode mode, int payloadLength, int expectedEspLength)
    {
        using EspSa outbound = Outbound(mode: mode, tfcPadTo: 1000);
        using EspSa inbound = Inbound();
        byte[] payload = Payload(payloadLength);

        Assert.Equal(expectedEspLength - EspSa.PayloadOffset - payloadLength, outbound.TrailerSize(payloadLength));
        byte[] packet = SealPacket(outbound, payload, Ipv4);
        Assert.Equal(expectedEspLength, packet.Length);

        // The receiver gets the payload followed by the zero TFC bytes (the inner IP length tells them apart).
        Assert.Equal(EspStatus.Ok, OpenCopy(inbound, packet, out byte[] opened, out _));
        int padded = mode == EspMode.Tunnel ? Math.Max(payloadLength, 1000) : payloadLength;
        Assert.Equal(padded, opened.Length);
        Assert.Equal(payload, opened[..payloadLength]);
        Assert.All(opened[payloadLength..], b => Assert.Equal(0, b));
        Assert.Equal(payloadLength, outbound.Bytes);
    }

    // ---- Sequence number exhaustion (RFC 4303 3.3.3) ----

    [Fact]
    public void Without_esn_the_last_sequence_number_is_2_pow_32_minus_1()
    {
        var observer = new RecordingObserver();
        using EspSa outbound = Outbound(observer: observer);
        outbound.SetLastSequenceForTesting(uint.MaxValue - 1);

        byte[] last = SealPacket(outbound, Payload(64), Ipv4);
        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(last.AsSpan(4)));
        Assert.Equal((ulong)uint.MaxValue, BinaryPrimitives.ReadUInt64BigEndian(last.AsSpan(8)));
        Assert.Equal([EspLifetimeEvent.Soft], observer.Events);   // long past 15/16 of the space

        var buffer = new byte[200];
        Assert.Equal(EspStatus.SequenceExhausted, outbound.Seal(buffer, 16, 64, Ipv4, out _, out _));
        Assert.Equal([EspLifetimeEvent.Soft, EspLifetimeEvent.Hard], observer.Events);
        Assert.True(outbound.IsExpired);

        // It never wraps: no later seal succeeds, and nothing is reported twice.
        for (int i = 0; i < 10; i++)
        {
            Assert.NotEqual(EspStatus.Ok, outbound.Seal(buffer, 16, 64, Ipv4, out _, out _));
        }

        Assert.Equal([EspLifetimeEvent.Soft, EspLifetimeEvent.Hard], observer.Events);
        Assert.Equal(1, outbound.GetDropCount(EspStatus.SequenceExhausted));
        Assert.Equal(1, outbound.Packets);
    }

    [Fact]
    public void With_esn_the_last_sequence_number_is_2_pow_64_minus_1()
    {
        var observer = new RecordingObserver();
        using EspSa outbound = Outbound(esn: true, observer: observer);
        outbound.SetLastSequenceForTesting(ulong.MaxValue - 1);

        byte[] last = SealPacket(outbound, Payload(64), Ipv4);
        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(last.AsSpan(4)));
        Assert.Equal(ulong.MaxValue, BinaryPrimitives.ReadUInt64BigEndian(last.AsSpan(8)));
        Assert.Equal([EspLifetimeEvent.Soft], observer.Events);

        var buffer = new byte[200];
        Assert.Equal(EspStatus.SequenceExhausted, outbound.Seal(buffer, 16, 64, Ipv4, out _, out _));
        Assert.Equal([EspLifetimeEvent.Soft, EspLifetimeEvent.Hard], observer.Events);
        for (int i = 0; i < 10; i++)
        {
            Assert.NotEqual(EspStatus.Ok, outbound.Seal(buffer, 16, 64, Ipv4, out _, out _));
        }

        Assert.Equal([EspLifetimeEvent.Soft, EspLifetimeEvent.Hard], observer.Events);
        Assert.Equal(1, outbound.GetDropCount(EspStatus.SequenceExhausted));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LastSequence_stays_at_the_last_number_used_once_the_space_is_exhausted(bool esn)
    {
        // "The last sequence number used": the refused attempt must not move (with ESN: wrap) the counter.
        using EspSa outbound = Outbound(esn: esn);
        ulong limit = esn ? ulong.MaxValue : uint.MaxValue;
        outbound.SetLastSequenceForTesting(limit - 1);
        SealPacket(outbound, Payload(8), Ipv4);
        Assert.Equal(limit, outbound.LastSequence);

        var buffer = new byte[100];
        Assert.Equal(EspStatus.SequenceExhausted, outbound.Seal(buffer, 16, 8, Ipv4, out _, out _));
        Assert.Equal(limit, outbound.LastSequence);
    }

    [Theory]
    [InlineData(false, 0xF000_0000UL)]
    [InlineData(true, 0xF000_0000_0000_0000UL)]
    public void Soft_event_fires_at_15_16_of_the_sequence_space(bool esn, ulong fifteenSixteenths)
    {
        var observer = new RecordingObserver();
        using EspSa outbound = Outbound(esn: esn, observer: observer);
        outbound.SetLastSequenceForTesting(fifteenSixteenths - 2);

        SealPacket(outbound, Payload(8), Ipv4);
        Assert.Empty(observer.Events);
        Assert.False(outbound.IsSoftExpired);
        SealPacket(outbound, Payload(8), Ipv4);
        Assert.Equal([EspLifetimeEvent.Soft], observer.Events);
        Assert.True(outbound.IsSoftExpired);
        SealPacket(outbound, Payload(8), Ipv4);
        Assert.Equal([EspLifetimeEvent.Soft], observer.Events);
        Assert.False(outbound.IsExpired);
    }

    // ---- Lifetimes (RFC 4301 4.4.2.1) ----

    /// <summary>Seals (outbound) or seals-then-opens (inbound) one packet with the SA under test.</summary>
    private sealed class Traffic : IDisposable
    {
        private readonly EspSa _peer;

        public Traffic(bool inbound, EspLifetime lifetime, TimeProvider time, IEspSaObserver observer)
        {
            IsInbound = inbound;
            Sa = inbound ? Inbound(lifetime: lifetime, time: time, observer: observer) : Outbound(lifetime: lifetime, time: time, observer: observer);
            _peer = Outbound();
        }

        public bool IsInbound { get; }

        public EspSa Sa { get; }

        public EspStatus Send(int payloadLength)
        {
            byte[] payload = Payload(payloadLength);
            if (IsInbound)
            {
                return OpenCopy(Sa, SealPacket(_peer, payload, Ipv4));
            }

            var buffer = new byte[EspSa.PayloadOffset + payloadLength + Sa.TrailerSize(payloadLength)];
            payload.CopyTo(buffer, EspSa.PayloadOffset);
            return Sa.Seal(buffer, EspSa.PayloadOffset, payloadLength, Ipv4, out _, out _);
        }

        public void Dispose()
        {
            Sa.Dispose();
            _peer.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Packet_lifetimes(bool inbound)
    {
        var observer = new RecordingObserver();
        using var traffic = new Traffic(inbound, new EspLifetime { SoftPackets = 3, HardPackets = 5 }, new FakeTimeProvider(), observer);

        Assert.Equal(EspStatus.Ok, traffic.Send(10));
        Assert.Equal(EspStatus.Ok, traffic.Send(10));
        Assert.Empty(observer.Events);
        Assert.Equal(EspStatus.Ok, traffic.Send(10));          // the 3rd packet reaches the soft limit
        Assert.Equal([EspLifetimeEvent.Soft], observer.Events);
        Assert.Equal(EspStatus.Ok, traffic.Send(10));
        Assert.Equal(EspStatus.Ok, traffic.Send(10));          // the 5th is the last one allowed
        Assert.Equal([EspLifetimeEvent.Soft], observer.Events);
        Assert.False(traffic.Sa.IsExpired);

        Assert.Equal(EspStatus.HardLifetimeExpired, traffic.Send(10));
        Assert.Equal([EspLifetimeEvent.Soft, EspLifetimeEvent.Hard], observer.Events);
        Assert.Equal(EspStatus.HardLifetimeExpired, traffic.Send(10));
        Assert.Equal(EspStatus.HardLifetimeExpired, traffic.Send(0));
        Assert.Equal([EspLifetimeEvent.Soft, EspLifetimeEvent.Hard], observer.Events);
        Assert.True(traffic.Sa.IsExpired);
        Assert.False(traffic.Sa.PollLifetime());
        Assert.Equal(5, traffic.Sa.Packets);
        Assert.Equal(50, traffic.Sa.Bytes);
        Assert.Equal(3, traffic.Sa.GetDropCount(EspStatus.HardLifetimeExpired));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Byte_lifetimes(bool inbound)
    {
        var observer = new RecordingObserver();
        using var traffic = new Traffic(inbound, new EspLifetime { SoftBytes = 1000, HardBytes = 2000 }, new FakeTimeProvider(), observer);

        Assert.Equal(EspStatus.Ok, traffic.Send(400));
        Assert.Equal(EspStatus.Ok, traffic.Send(400));
        Assert.Empty(observer.Events);
        Assert.Equal(EspStatus.Ok, traffic.Send(400));         // 1,200 ≥ 1,000
        Assert.Equal([EspLifetimeEvent.Soft], observer.Events);
        Assert.Equal(EspStatus.Ok, traffic.Send(400));
        Assert.Equal(EspStatus.Ok, traffic.Send(400));         // exactly 2,000
        Assert.False(traffic.Sa.IsExpired);

        Assert.Equal(EspStatus.HardLifetimeExpired, traffic.Send(1));
        Assert.Equal([EspLifetimeEvent.Soft, EspLifetimeEvent.Hard], observer.Events);
        Assert.Equal(EspStatus.HardLifetimeExpired, traffic.Send(0));
        Assert.Equal([EspLifetimeEvent.Soft, EspLifetimeEvent.Hard], observer.Events);
        Assert.Equal(2000, traffic.Sa.Bytes);
        Assert.Equal(5, traffic.Sa.Packets);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Time_lifetimes(bool inbound)
    {
        var time = new FakeTimeProvider();
        var observer = new RecordingObserver();
        using var traffic = new Traffic(
            inbound, new EspLifetime { SoftTime = TimeSpan.FromMinutes(10), HardTime = TimeSpan.FromMinutes(15) }, time, observer);

        time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Equal(EspStatus.Ok, traffic.Send(10));
        Assert.True(traffic.Sa.PollLifetime());
        Assert.Empty(observer.Events);

        // An idle SA learns of its soft expiry from the timer poll.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(traffic.Sa.PollLifetime());
        Assert.Equal([EspLifetimeEvent.Soft], observer.Events);
        Assert.True(traffic.Sa.IsSoftExpired);
        Assert.Equal(EspStatus.Ok, traffic.Send(10));
        Assert.True(traffic.Sa.PollLifetime());
        Assert.Equal([EspLifetimeEvent.Soft], observer.Events);

        time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.Equal(EspStatus.Ok, traffic.Send(10));
        Assert.False(traffic.Sa.IsExpired);

        // At 15 minutes the next packet is refused and Hard reported once.
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(EspStatus.HardLifetimeExpired, traffic.Send(10));
        Assert.Equal([EspLifetimeEvent.Soft, EspLifetimeEvent.Hard], observer.Events);
        Assert.False(traffic.Sa.PollLifetime());
        Assert.Equal(EspStatus.HardLifetimeExpired, traffic.Send(10));
        Assert.Equal([EspLifetimeEvent.Soft, EspLifetimeEvent.Hard], observer.Events);
        Assert.Equal(3, traffic.Sa.Packets);
        Assert.Equal(30, traffic.Sa.Bytes);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void An_idle_sa_expires_by_the_timer_poll(bool inbound)
    {
        var time = new FakeTimeProvider();
        var observer = new RecordingObserver();
        using var traffic = new Traffic(
            inbound, new EspLifetime { SoftTime = TimeSpan.FromHours(1), HardTime = TimeSpan.FromHours(2) }, time, observer);

        time.Advance(TimeSpan.FromHours(3));
        Assert.False(traffic.Sa.PollLifetime());
        Assert.False(traffic.Sa.PollLifetime());
        Assert.Equal(1, observer.Events.Count(e => e == EspLifetimeEvent.Hard));
        Assert.True(observer.Events.Count(e => e == EspLifetimeEvent.Soft) <= 1);
        Assert.Equal(EspLifetimeEvent.Hard, observer.Events[^1]);
        Assert.True(traffic.Sa.IsExpired);
        Assert.Equal(EspStatus.HardLifetimeExpired, traffic.Send(10));
        Assert.Equal(0, traffic.Sa.Packets);
    }

    [Fact]
    public void Lifetimes_too_long_for_the_timestamp_clock_never_expire()
    {
        // TimeSpan.MaxValue in Stopwatch ticks (10^9 a second on Linux) exceeds a long; it must mean "never", not "now".
        var observer = new RecordingObserver();
        using EspSa outbound = Outbound(
            lifetime: new EspLifetime { SoftTime = TimeSpan.MaxValue, HardTime = TimeSpan.MaxValue }, time: TimeProvider.System, observer: observer);
        Assert.True(outbound.PollLifetime());
        SealPacket(outbound, Payload(10), Ipv4);
        Assert.Empty(observer.Events);
        Assert.False(outbound.IsSoftExpired);
    }

    [Fact]
    public void A_hard_limit_without_a_soft_one_reports_hard_once()
    {
        var observer = new RecordingObserver();
        using var traffic = new Traffic(false, new EspLifetime { HardPackets = 2 }, new FakeTimeProvider(), observer);
        Assert.Equal(EspStatus.Ok, traffic.Send(1));
        Assert.Equal(EspStatus.Ok, traffic.Send(1));
        Assert.Empty(observer.Events);
        Assert.Equal(EspStatus.HardLifetimeExpired, traffic.Send(1));
        Assert.Equal(EspStatus.HardLifetimeExpired, traffic.Send(1));
        Assert.Equal(1, observer.Events.Count(e => e == EspLifetimeEvent.Hard));
        Assert.True(observer.Events.Count(e => e == EspLifetimeEvent.Soft) <= 1);
        Assert.Equal(EspLifetimeEvent.Hard, observer.Events[^1]);
    }

    // ---- Misuse ----

    [Fact]
    public void Wrong_direction()
    {
        using EspSa outbound = Outbound();
        using EspSa inbound = Inbound();
        var buffer = new byte[200];
        Assert.Equal(EspStatus.WrongDirection, inbound.Seal(buffer, 16, 10, Ipv4, out _, out _));
        Assert.Equal(1, inbound.GetDropCount(EspStatus.WrongDirection));

        byte[] packet = SealPacket(outbound, Payload(10), Ipv4);
        Assert.Equal(EspStatus.WrongDirection, outbound.Open(packet, 0, packet.Length, out _, out _, out _));
        Assert.Equal(1, outbound.GetDropCount(EspStatus.WrongDirection));
        Assert.Equal(EspStatus.Ok, OpenCopy(inbound, packet));
    }

    [Fact]
    public void A_disposed_sa_drops_everything()
    {
        EspSa outbound = Outbound();
        EspSa inbound = Inbound();
        byte[] packet = SealPacket(outbound, Payload(10), Ipv4);
        outbound.Dispose();
        inbound.Dispose();
        inbound.Dispose();

        var buffer = new byte[200];
        Assert.Equal(EspStatus.SaDisposed, outbound.Seal(buffer, 16, 10, Ipv4, out _, out _));
        Assert.Equal(EspStatus.SaDisposed, OpenCopy(inbound, packet));
        Assert.Equal(1, outbound.GetDropCount(EspStatus.SaDisposed));
        Assert.Equal(1, inbound.GetDropCount(EspStatus.SaDisposed));
        Assert.True(outbound.IsExpired);
        Assert.True(inbound.IsExpired);
        Assert.False(outbound.PollLifetime());
        Assert.False(inbound.PollLifetime());
    }

    [Fact]
    public void Too_little_headroom_or_tailroom_is_NoBufferSpace()
    {
        using EspSa outbound = Outbound(tfcPadTo: 300);
        using EspSa inbound = Inbound();
        const int Length = 100;
        int trailer = outbound.TrailerSize(Length);
        Assert.Equal(200 + 2 + 2 + EspSa.IcvSize, trailer);   // TFC to 300, then padding to a 4-byte boundary

        // Headroom 15, and tailroom one byte short: refused, and no sequence number is used up.
        Assert.Equal(EspStatus.NoBufferSpace, outbound.Seal(new byte[15 + Length + trailer], 15, Length, Ipv4, out int o, out int l));
        Assert.Equal((0, 0), (o, l));
        Assert.Equal(EspStatus.NoBufferSpace, outbound.Seal(new byte[16 + Length + trailer - 1], 16, Length, Ipv4, out _, out _));
        Assert.Equal(EspStatus.NoBufferSpace, outbound.Seal(new byte[16 + Length + trailer], 16, -1, Ipv4, out _, out _));
        Assert.Equal(EspStatus.NoBufferSpace, outbound.Seal(new byte[16 + Length + trailer], -16, Length, Ipv4, out _, out _));
        Assert.Equal(EspStatus.NoBufferSpace, outbound.Seal(new byte[16 + Length + trailer], 17, Length, Ipv4, out _, out _));
        Assert.Equal(EspStatus.NoBufferSpace, outbound.Seal([], 16, 0, Ipv4, out _, out _));
        Assert.Equal(6, outbound.GetDropCount(EspStatus.NoBufferSpace));
        Assert.Equal(0UL, outbound.LastSequence);
        Assert.Equal(0, outbound.Packets);

        // Exactly enough, at an offset.
        var buffer = new byte[20 + Length + trailer];
        Assert.Equal(EspStatus.Ok, outbound.Seal(buffer, 20, Length, Ipv4, out int espOffset, out int espLength));
        Assert.Equal((4, buffer.Length - 4), (espOffset, espLength));
        Assert.Equal(1UL, outbound.LastSequence);
        Assert.Equal(EspStatus.Ok, inbound.Open(buffer, espOffset, espLength, out _, out int payloadLength, out _));
        Assert.Equal(300, payloadLength);
    }

    [Fact]
    public void Absurd_offsets_and_lengths_are_NoBufferSpace_not_an_exception()
    {
        // The packet path never throws (EspStatus): offsets and lengths near int.MaxValue must not wrap the bounds check.
        using EspSa outbound = Outbound();
        using EspSa inbound = Inbound();
        var buffer = new byte[64];
        Assert.Equal(EspStatus.NoBufferSpace, outbound.Seal(buffer, 16, int.MaxValue, Ipv4, out _, out _));
        Assert.Equal(EspStatus.NoBufferSpace, outbound.Seal(buffer, int.MaxValue, 0, Ipv4, out _, out _));
        Assert.Equal(EspStatus.NoBufferSpace, outbound.Seal(buffer, 0x4000_0000, 0x4000_0000, Ipv4, out _, out _));
        Assert.Equal(0UL, outbound.LastSequence);
        Assert.Equal(0, outbound.Packets);

        Assert.Equal(EspStatus.Truncated, inbound.Open(buffer, int.MaxValue, 40, out _, out _, out _));
        Assert.Equal(EspStatus.Truncated, inbound.Open(buffer, 40, int.MaxValue, out _, out _, out _));
        Assert.Equal(EspStatus.Truncated, inbound.Open(buffer, -1, 40, out _, out _, out _));
        Assert.Equal(EspStatus.Truncated, inbound.Open(buffer, 0, -1, out _, out _, out _));
        Assert.Equal(EspStatus.Truncated, inbound.Open(buffer, 0x7FFF_FFF0, 0x7FFF_FFF0, out _, out _, out _));
    }

    [Theory]
    [InlineData(0x7FFF_FFF0, int.MaxValue)]      // 0x7FFFFFF0 + (uint)(int.MaxValue + 5) + 16 = 2^32 + 4
    [InlineData(0x7FFF_FFF0, int.MaxValue - 3)]  // 0x7FFFFFF0 + (uint)(int.MaxValue + 1) + 16 = 2^32
    [InlineData(0x7FFF_FFFF, int.MaxValue - 3)]  // 2^32 + 15
    [InlineData(int.MaxValue, int.MaxValue)]     // 2^32 + 19
    public void Offsets_and_lengths_whose_sum_wraps_are_NoBufferSpace_not_an_exception(int payloadOffset, int payloadLength)
    {
        // Seal's bounds check adds payloadOffset, the encrypted length and the ICV size as 32-bit unsigned numbers; the
        // encrypted length of a payload near int.MaxValue overflows, and the sum wraps to less than the buffer length.
        using EspSa outbound = Outbound();
        var buffer = new byte[64];
        EspStatus status = EspStatus.Ok;
        Exception? thrown = Record.Exception(() => status = outbound.Seal(buffer, payloadOffset, payloadLength, Ipv4, out _, out _));
        Assert.Null(thrown);
        Assert.Equal(EspStatus.NoBufferSpace, status);
        Assert.Equal(0UL, outbound.LastSequence);
        Assert.Equal(0, outbound.Packets);
    }

    [Fact]
    public void Configuration_errors_throw_at_creation()
    {
        Assert.Throws<ArgumentException>(() => new EspSa(Config(EspCipher.AesGcm128, EspDirection.Outbound) with { Spi = 0 }));
        Assert.Throws<ArgumentException>(() => new EspSa(Config(EspCipher.AesGcm128, EspDirection.Outbound, new byte[16])));
        Assert.Throws<ArgumentException>(() => new EspSa(Config(EspCipher.AesGcm256, EspDirection.Outbound, new byte[20])));
        Assert.Throws<ArgumentException>(() =>
            new EspSa(Config(EspCipher.AesGcm128, EspDirection.Inbound) with { ExtendedSequenceNumbers = true, ReplayWindowSize = 0 }));
        Assert.Throws<ArgumentException>(() => new EspSa(Config(EspCipher.AesGcm128, EspDirection.Outbound) with { TfcPadTo = -1 }));
    }
}
