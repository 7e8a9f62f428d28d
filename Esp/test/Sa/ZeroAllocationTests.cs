using IpsecFw.Esp.Sa;
using static IpsecFw.Esp.Tests.Sa.EspTestSupport;

namespace IpsecFw.Esp.Tests.Sa;

/// <summary>
/// The packet path allocates nothing once warm: Seal and Open of 1,420-byte packets, and Open of forged and replayed
/// packets, measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/> over 10,000 packets each.
/// </summary>
public sealed class ZeroAllocationTests
{
    private const int PayloadLength = 1420;
    private const int Iterations = 10_000;
    private const int WarmUp = 200;
    private const byte Ipv4 = 4;

    private static (EspSa Outbound, EspSa Inbound) Pair(EspCipher cipher, bool esn)
    {
        EspSaConfig config = Config(cipher, EspDirection.Outbound) with { ExtendedSequenceNumbers = esn };
        return (new EspSa(config), new EspSa(Inbound(config)));
    }

    private static byte[] PacketBuffer(EspSa outbound)
    {
        var buffer = new byte[EspSa.PayloadOffset + PayloadLength + outbound.TrailerSize(PayloadLength)];
        new Random(1420).NextBytes(buffer);
        return buffer;
    }

    /// <summary>Seals a packet and opens it right away, so the window moves on; returns how many both succeeded.</summary>
    private static int RoundTrips(EspSa outbound, EspSa inbound, byte[] buffer, int count)
    {
        int ok = 0;
        for (int i = 0; i < count; i++)
        {
            EspStatus sealStatus = outbound.Seal(buffer, EspSa.PayloadOffset, PayloadLength, Ipv4, out int espOffset, out int espLength);
            EspStatus openStatus = inbound.Open(buffer, espOffset, espLength, out _, out int length, out _);
            if (sealStatus == EspStatus.Ok && openStatus == EspStatus.Ok && length == PayloadLength)
            {
                ok++;
            }
        }

        return ok;
    }

    /// <summary>Opens fresh copies of one packet; returns how many were dropped for <paramref name="expected"/>.</summary>
    private static int Opens(EspSa inbound, byte[] packet, byte[] work, EspStatus expected, int count)
    {
        int matched = 0;
        for (int i = 0; i < count; i++)
        {
            packet.CopyTo(work, 0);
            if (inbound.Open(work, 0, packet.Length, out _, out _, out _) == expected)
            {
                matched++;
            }
        }

        return matched;
    }

    [Theory]
    [InlineData(EspCipher.AesGcm256, false)]
    [InlineData(EspCipher.AesGcm128, false)]
    [InlineData(EspCipher.ChaCha20Poly1305, false)]
    [InlineData(EspCipher.AesGcm256, true)]
    [InlineData(EspCipher.AesGcm128, true)]
    [InlineData(EspCipher.ChaCha20Poly1305, true)]
    public void Seal_and_Open_allocate_nothing(EspCipher cipher, bool esn)
    {
        SkipIfUnsupported(cipher);
        (EspSa outbound, EspSa inbound) = Pair(cipher, esn);
        using (outbound)
        using (inbound)
        {
            byte[] buffer = PacketBuffer(outbound);
            Assert.Equal(WarmUp, RoundTrips(outbound, inbound, buffer, WarmUp));

            long before = GC.GetAllocatedBytesForCurrentThread();
            int ok = RoundTrips(outbound, inbound, buffer, Iterations);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(Iterations, ok);
            Assert.Equal(0L, allocated);
        }
    }

    [Theory]
    [InlineData(EspCipher.AesGcm256)]
    [InlineData(EspCipher.AesGcm128)]
    [InlineData(EspCipher.ChaCha20Poly1305)]
    public void Opening_forged_packets_allocates_nothing(EspCipher cipher)
    {
        SkipIfUnsupported(cipher);
        (EspSa outbound, EspSa inbound) = Pair(cipher, esn: false);
        using (outbound)
        using (inbound)
        {
            byte[] buffer = PacketBuffer(outbound);
            Assert.Equal(EspStatus.Ok, outbound.Seal(buffer, EspSa.PayloadOffset, PayloadLength, Ipv4, out _, out _));
            byte[] forged = (byte[])buffer.Clone();
            forged[^1] ^= 0x01;
            var work = new byte[forged.Length];
            Assert.Equal(WarmUp, Opens(inbound, forged, work, EspStatus.IcvFailure, WarmUp));

            long before = GC.GetAllocatedBytesForCurrentThread();
            int dropped = Opens(inbound, forged, work, EspStatus.IcvFailure, Iterations);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(Iterations, dropped);
            Assert.Equal(0L, allocated);
        }
    }

    [Theory]
    [InlineData(EspCipher.AesGcm256)]
    [InlineData(EspCipher.AesGcm128)]
    [InlineData(EspCipher.ChaCha20Poly1305)]
    public void Opening_replayed_packets_allocates_nothing(EspCipher cipher)
    {
        SkipIfUnsupported(cipher);
        (EspSa outbound, EspSa inbound) = Pair(cipher, esn: false);
        using (outbound)
        using (inbound)
        {
            byte[] buffer = PacketBuffer(outbound);
            Assert.Equal(EspStatus.Ok, outbound.Seal(buffer, EspSa.PayloadOffset, PayloadLength, Ipv4, out _, out _));
            byte[] packet = (byte[])buffer.Clone();
            var work = new byte[packet.Length];
            Assert.Equal(1, Opens(inbound, packet, work, EspStatus.Ok, 1));
            Assert.Equal(WarmUp, Opens(inbound, packet, work, EspStatus.Replay, WarmUp));

            long before = GC.GetAllocatedBytesForCurrentThread();
            int dropped = Opens(inbound, packet, work, EspStatus.Replay, Iterations);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Equal(Iterations, dropped);
            Assert.Equal(0L, allocated);
        }
    }
}
