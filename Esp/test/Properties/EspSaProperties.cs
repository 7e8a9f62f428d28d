using System.Buffers.Binary;
using CsCheck;
using IpsecFw.Esp.Crypto;
using IpsecFw.Esp.Sa;
using IpsecFw.Esp.Tests.Sa;

namespace IpsecFw.Esp.Tests.Properties;

/// <summary>
/// Seal/Open round trips over every transform, ESN on and off, both modes, payloads of 0 to 9,000 bytes at random
/// buffer offsets; then every single-bit corruption of the header, IV, trailer and ICV (and a sample of the payload),
/// and every truncation, against an inbound SA that must reject each for the right reason and never throw.
/// </summary>
public sealed class EspSaProperties
{
    private const ulong SubSpace = 1UL << 32;

    /// <summary>One generated scenario.</summary>
    /// <param name="Cipher">The transform.</param>
    /// <param name="Esn">Extended sequence numbers.</param>
    /// <param name="Mode">Tunnel or transport.</param>
    /// <param name="Window">The inbound replay window size.</param>
    /// <param name="Sequence">The 64-bit sequence number the packet under test is sealed with.</param>
    /// <param name="Behind">How far behind <paramref name="Sequence"/> the inbound window's top is put by opening earlier
    /// packets first (0: a fresh inbound SA).</param>
    /// <param name="PayloadLength">0 to 9,000.</param>
    /// <param name="Headroom">Bytes in front of the payload, at least 16.</param>
    /// <param name="ExtraTail">Bytes after the trailer the seal needs.</param>
    /// <param name="NextHeaderSeed">Picks the Next Header (4 or 41 in tunnel mode, anything but 59 in transport).</param>
    /// <param name="TfcPadTo">TFC padding target (only tunnel mode pads).</param>
    /// <param name="Seed">Key material, payload bytes, sentinel bytes and the payload bits to flip.</param>
    private sealed record Case(
        EspCipher Cipher, bool Esn, EspMode Mode, int Window, ulong Sequence, uint Behind, int PayloadLength,
        int Headroom, int ExtraTail, byte NextHeaderSeed, int TfcPadTo, int Seed)
    {
        public byte NextHeader => Mode == EspMode.Tunnel
            ? (NextHeaderSeed % 2 == 0 ? (byte)4 : (byte)41)
            : (NextHeaderSeed == EspSa.NoNextHeader ? (byte)6 : NextHeaderSeed);
    }

    private static readonly Gen<ulong> GenSequence32 = Gen.Frequency<ulong>(
        (2, Gen.UInt[1, 1000].Select(x => (ulong)x)),
        (3, Gen.UInt[1, uint.MaxValue].Select(x => (ulong)x)),
        (1, Gen.UInt[0, 5000].Select(x => (ulong)(uint.MaxValue - x))));

    private static readonly Gen<ulong> GenSequence64 = Gen.Frequency<ulong>(
        (2, Gen.UInt[1, 1000].Select(x => (ulong)x)),
        (3, Gen.Select(Gen.UInt[0, 2], Gen.UInt[1, uint.MaxValue], (h, l) => ((ulong)h << 32) | l)),
        (2, Gen.Select(Gen.UInt[1, 2], Gen.Int[-5000, 5000], (h, d) => (ulong)((long)(h * SubSpace) + d))));

    private static readonly Gen<Case> GenCase =
        from cipher in Gen.OneOf(EspTestSupport.Ciphers)
        from esn in Gen.Bool
        from mode in Gen.OneOf(EspMode.Tunnel, EspMode.Transport)
        from window in Gen.OneOf(64, 1000, 1024, 4096)
        from sequence in esn ? GenSequence64 : GenSequence32
        from behind in Gen.Frequency<uint>((1, Gen.Const(0U)), (3, Gen.UInt[1, 3 * (uint)window]))
        from length in Gen.Frequency<int>((4, Gen.Int[0, 64]), (3, Gen.Int[65, 1500]), (1, Gen.Int[1501, 9000]))
        from headroom in Gen.Int[EspSa.PayloadOffset, EspSa.PayloadOffset + 64]
        from extraTail in Gen.Int[0, 40]
        from nextHeader in Gen.Byte
        from tfc in Gen.Frequency<int>((3, Gen.Const(0)), (1, Gen.Int[1, 2000]))
        from seed in Gen.Int
        select new Case(cipher, esn, mode, window, sequence, behind, length, headroom, extraTail, nextHeader, tfc, seed);

    [Fact]
    public void Seal_then_Open_round_trips_and_every_corruption_or_truncation_is_rejected() =>
        GenCase.Sample(Run, iter: 150);

    private static void Run(Case c)
    {
        if (c.Cipher == EspCipher.ChaCha20Poly1305 && !ChaCha20Poly1305Aead.IsSupported)
        {
            return;
        }

        var rng = new Random(c.Seed);
        var keymat = new byte[EspSa.KeyLength(c.Cipher) + 4];
        rng.NextBytes(keymat);
        EspSaConfig outConfig = EspTestSupport.Config(c.Cipher, EspDirection.Outbound, keymat) with
        {
            ExtendedSequenceNumbers = c.Esn,
            Mode = c.Mode,
            TfcPadTo = c.TfcPadTo,
        };
        using var outbound = new EspSa(outConfig);
        using var inbound = new EspSa(EspTestSupport.Inbound(outConfig) with { ReplayWindowSize = c.Window });

        // Earlier packets bring the inbound window's top to Sequence − Behind (with ESN in steps a receiver can follow).
        HashSet<ulong> seen = Prime(c, outbound, inbound, rng);
        ulong top = inbound.LastSequence;

        // Seal at a random offset in a buffer full of random bytes; nothing outside the ESP packet may change.
        var payload = new byte[c.PayloadLength];
        rng.NextBytes(payload);
        int trailer = outbound.TrailerSize(c.PayloadLength);
        var buffer = new byte[c.Headroom + c.PayloadLength + trailer + c.ExtraTail];
        rng.NextBytes(buffer);
        payload.CopyTo(buffer, c.Headroom);
        byte[] original = (byte[])buffer.Clone();
        outbound.SetLastSequenceForTesting(c.Sequence - 1);
        Assert.Equal(EspStatus.Ok, outbound.Seal(buffer, c.Headroom, c.PayloadLength, c.NextHeader, out int espOffset, out int espLength));
        Assert.Equal(c.Sequence, outbound.LastSequence);

        int padded = c.Mode == EspMode.Tunnel ? Math.Max(c.PayloadLength, c.TfcPadTo) : c.PayloadLength;
        int encrypted = espLength - EspSa.PayloadOffset - EspSa.IcvSize;
        Assert.Equal(c.Headroom - EspSa.PayloadOffset, espOffset);
        Assert.Equal(0, encrypted % 4);                          // RFC 4303 2.4: the encrypted part ends 4-aligned
        Assert.InRange(encrypted - padded - 2, 0, 3);            // with the least padding that does it
        Assert.Equal(c.PayloadLength + trailer, espLength - EspSa.PayloadOffset);
        Assert.True(buffer.AsSpan(0, espOffset).SequenceEqual(original.AsSpan(0, espOffset)));
        Assert.True(buffer.AsSpan(espOffset + espLength).SequenceEqual(original.AsSpan(espOffset + espLength)));
        byte[] packet = buffer.AsSpan(espOffset, espLength).ToArray();
        Assert.Equal(EspTestSupport.Spi, BinaryPrimitives.ReadUInt32BigEndian(packet));
        Assert.Equal((uint)c.Sequence, BinaryPrimitives.ReadUInt32BigEndian(packet.AsSpan(4)));
        Assert.Equal(c.Sequence, BinaryPrimitives.ReadUInt64BigEndian(packet.AsSpan(8)));

        var expectedDrops = new Dictionary<EspStatus, long>();
        var work = new byte[espLength];
        void Expect(EspStatus expected, int length, string what)
        {
            EspStatus status = inbound.Open(work.AsSpan(0, length), 0, length, out _, out int payloadLength, out byte nh);
            if (status != expected)
            {
                Assert.Fail($"{what}: {status}, expected {expected}");
            }

            Assert.Equal(0, payloadLength);
            Assert.Equal(0, nh);
            expectedDrops[expected] = expectedDrops.GetValueOrDefault(expected) + 1;
        }

        void Flip(int bit, EspStatus expected, string region)
        {
            packet.CopyTo(work, 0);
            work[bit / 8] ^= (byte)(0x80 >> (bit % 8));
            Expect(expected, espLength, $"{region} bit {bit}");
        }

        // SPI: no SA has the corrupted SPI.
        for (int bit = 0; bit < 32; bit++)
        {
            Flip(bit, EspStatus.UnknownSpi, "SPI");
        }

        // Sequence number: Replay where the corrupted number is 0, inside the window and seen, left of it, or (ESN) has
        // no valid 64-bit interpretation; otherwise it passes the replay check and fails the ICV (the AAD differs).
        for (int bit = 32; bit < 64; bit++)
        {
            uint low = (uint)c.Sequence ^ (0x80000000U >> (bit - 32));
            Flip(bit, SequenceCorruption(c, top, seen, low), "sequence number");
        }

        // IV (the nonce), the encrypted payload and trailer, and the ICV: always the ICV check.
        for (int bit = 64; bit < 128; bit++)
        {
            Flip(bit, EspStatus.IcvFailure, "IV");
        }

        int trailerStart = EspSa.PayloadOffset + Math.Max(0, encrypted - 8);
        for (int bit = trailerStart * 8; bit < (EspSa.PayloadOffset + encrypted) * 8; bit++)
        {
            Flip(bit, EspStatus.IcvFailure, "padding/Pad Length/Next Header");
        }

        for (int i = 0; i < 16 && encrypted > 8; i++)
        {
            Flip((EspSa.PayloadOffset * 8) + rng.Next((encrypted - 8) * 8), EspStatus.IcvFailure, "payload");
        }

        for (int bit = (espLength - EspSa.IcvSize) * 8; bit < espLength * 8; bit++)
        {
            Flip(bit, EspStatus.IcvFailure, "ICV");
        }

        // Every truncation: too short for header, IV, trailer and ICV; not 4-aligned; or the ICV (now the last 16 bytes
        // that remain) fails.
        for (int length = 0; length < espLength; length++)
        {
            packet.AsSpan(0, length).CopyTo(work);
            EspStatus expected = length < EspSa.MinPacketSize ? EspStatus.Truncated
                : (length - EspSa.PayloadOffset - EspSa.IcvSize) % 4 != 0 ? EspStatus.Malformed
                : EspStatus.IcvFailure;
            Expect(expected, length, $"truncated to {length} of {espLength}");
        }

        // Every rejection was counted under its reason, and none of them moved the window or the counters.
        foreach (EspStatus reason in Enum.GetValues<EspStatus>().Where(s => s != EspStatus.Ok))
        {
            if (expectedDrops.GetValueOrDefault(reason) != inbound.GetDropCount(reason))
            {
                Assert.Fail($"{reason}: counted {inbound.GetDropCount(reason)}, expected {expectedDrops.GetValueOrDefault(reason)}");
            }
        }

        Assert.Equal(top, inbound.LastSequence);
        long packets = inbound.Packets;

        // The intact packet still opens, in place, at its offset in the original buffer.
        byte[] sealedBuffer = (byte[])buffer.Clone();
        Assert.Equal(EspStatus.Ok, inbound.Open(buffer, espOffset, espLength, out int payloadOffset, out int openedLength, out byte nextHeader));
        Assert.Equal(c.Headroom, payloadOffset);
        Assert.Equal(padded, openedLength);
        Assert.Equal(c.NextHeader, nextHeader);
        Assert.True(buffer.AsSpan(payloadOffset, c.PayloadLength).SequenceEqual(payload));
        Assert.True(buffer.AsSpan(payloadOffset + c.PayloadLength, padded - c.PayloadLength).IndexOfAnyExcept((byte)0) < 0);
        Assert.True(buffer.AsSpan(0, espOffset).SequenceEqual(original.AsSpan(0, espOffset)));
        Assert.True(buffer.AsSpan(espOffset + espLength).SequenceEqual(original.AsSpan(espOffset + espLength)));
        Assert.Equal(Math.Max(top, c.Sequence), inbound.LastSequence);
        Assert.Equal(packets + 1, inbound.Packets);

        // And only once.
        Assert.Equal(EspStatus.Replay, inbound.Open(sealedBuffer, espOffset, espLength, out _, out _, out _));
    }

    /// <summary>Opens packets with sequence numbers leading up to <c>Sequence − Behind</c>; returns the numbers used.</summary>
    private static HashSet<ulong> Prime(Case c, EspSa outbound, EspSa inbound, Random rng)
    {
        ulong w = (ulong)c.Window;
        ulong behind = c.Behind;
        if (c.Esn && behind == 0 && c.Sequence > SubSpace - w)
        {
            // A fresh receiver takes the low numbers of sub-space 0 only.
            behind = 1;
        }

        var path = new List<ulong>();
        if (behind != 0 && c.Sequence > behind)
        {
            // Each step at most 2^32 − 2W ahead of the last, so the receiver infers the high bits right (RFC 4303 A2).
            for (ulong p = c.Sequence - behind; ; p -= SubSpace - (2 * w))
            {
                path.Insert(0, p);
                if (!c.Esn || p <= SubSpace - w)
                {
                    break;
                }
            }
        }

        foreach (ulong p in path)
        {
            var payload = new byte[rng.Next(0, 100)];
            rng.NextBytes(payload);
            outbound.SetLastSequenceForTesting(p - 1);
            byte[] packet = EspTestSupport.SealPacket(outbound, payload, c.NextHeader);
            Assert.Equal(EspStatus.Ok, EspTestSupport.OpenCopy(inbound, packet, out byte[] opened, out byte nextHeader));
            Assert.Equal(c.NextHeader, nextHeader);
            Assert.Equal(p, inbound.LastSequence);
            if (c.Mode == EspMode.Transport || c.TfcPadTo == 0)
            {
                Assert.Equal(payload, opened);
            }
        }

        return [.. path];
    }

    /// <summary>The reason a packet whose low 32 sequence bits were corrupted to <paramref name="low"/> is dropped.</summary>
    private static EspStatus SequenceCorruption(Case c, ulong top, HashSet<ulong> seen, uint low)
    {
        ulong n = low;
        if (c.Esn)
        {
            // RFC 4303 A2: the one number with these low bits in [Top − W + 1, Top − W + 2^32], if it is in range.
            Int128 lo = (Int128)top - c.Window + 1;
            Int128 inferred = lo + unchecked(low - (uint)(lo & uint.MaxValue));
            if (inferred < 0 || inferred > ulong.MaxValue)
            {
                return EspStatus.Replay;
            }

            n = (ulong)inferred;
        }

        if (n == 0 || (n <= top && (top - n >= (ulong)c.Window || seen.Contains(n))))
        {
            return EspStatus.Replay;
        }

        return EspStatus.IcvFailure;
    }
}
