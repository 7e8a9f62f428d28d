using System.Net;
using IpsecFw.Esp.Sa;
using IpsecFw.Tun.Testing;
using static IpsecFw.Esp.Tests.DataPath.DataPathEndToEndTests;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>
/// Raw ESP (IP protocol 50) beside UDP/4500 on in-memory binds: each SA's packets take the bind of its encapsulation
/// both ways, and hostile raw datagrams are dropped with their reason counted.
/// </summary>
public sealed class RawEspPathTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan s_quiet = TimeSpan.FromMilliseconds(300);

    [Theory]
    [MemberData(nameof(DataPathEndToEndTests.Families), MemberType = typeof(DataPathEndToEndTests))]
    public void An_sa_without_udp_encapsulation_crosses_on_the_raw_binds_both_ways(string sourceText, string destinationText)
    {
        IPAddress source = IPAddress.Parse(sourceText);
        IPAddress destination = IPAddress.Parse(destinationText);
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryRawPair();
        using (a)
        using (b)
        {
            byte[] request = PacketBuilder.Udp(source, destination, 40000, 53, "what is the time?"u8);
            Assert.True(a.App.Inject(request));
            Assert.Equal(request, b.Received.Take(s_timeout));

            byte[] reply = PacketBuilder.Udp(destination, source, 53, 40000, "noon"u8);
            Assert.True(b.App.Inject(reply));
            Assert.Equal(reply, a.Received.Take(s_timeout));

            Assert.Equal(1, Counting(a.RawBind).Sent);
            Assert.Equal(1, Counting(b.RawBind).Sent);
            Assert.Equal(0, Counting(a.Bind).Sent + Counting(b.Bind).Sent);
            Assert.Equal(0, a.TotalDrops() + b.TotalDrops());
        }
    }

    [Fact]
    public void A_udp_encapsulated_sa_keeps_to_the_udp_binds_when_a_raw_bind_exists()
    {
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryRawPair(udpEncapsulated: true);
        using (a)
        using (b)
        {
            for (int i = 0; i < 20; i++)
            {
                Assert.True(a.App.Inject(PacketBuilder.Udp(IPAddress.Parse("198.19.16.5"), IPAddress.Parse("198.19.32.7"), 1000, 2000, "x"u8)));
            }

            Assert.Equal(20, b.Received.Take(20, s_timeout).Count);
            Assert.Equal(20, Counting(a.Bind).Sent);
            Assert.Equal(0, Counting(a.RawBind).Sent);
            Assert.Equal(0, a.TotalDrops() + b.TotalDrops());
        }
    }

    [Fact]
    public void Hostile_raw_datagrams_are_dropped_and_counted_by_reason()
    {
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryRawPair();
        using (a)
        using (b)
        {
            var raw = Counting(a.RawBind).Inner;
            byte[] ikeLooking = new byte[4 + 28]; // SPI 0: the non-ESP marker means nothing on protocol 50
            byte[] reservedSpi = [0, 0, 0, 200, 0, 0, 0, 1, 9, 9, 9, 9];
            byte[] unknownSpi = [0x55, 0x55, 0x55, 0x55, 0, 0, 0, 1, .. new byte[40]];
            byte[] shortEsp = [0x10, 0x00, 0x00, 0x01, 0, 0]; // B's inbound SPI, cut inside the header
            byte[] forged = [0x10, 0x00, 0x00, 0x01, 0, 0, 0, 7, .. new byte[64]];
            byte[][] hostile = [[], [0xFF], [1, 2, 3], ikeLooking, reservedSpi, unknownSpi, shortEsp, forged];
            foreach (byte[] datagram in hostile)
            {
                Assert.True(raw.Inject(datagram));
            }

            Assert.True(WaitUntil(() => b.Counters.EspRejected == hostile.Length));
            Assert.Equal(4, b.Table.GetDropCount(EspStatus.Truncated)); // empty, 1 byte, 3 bytes, a 6-byte ESP header
            Assert.Equal(2, b.Table.GetDropCount(EspStatus.Malformed)); // SPI 0 and SPI 200 (RFC 4303 2.1)
            Assert.Equal(1, b.Table.GetDropCount(EspStatus.UnknownSpi));
            Assert.Equal(1, b.InboundSa!.GetDropCount(EspStatus.IcvFailure)); // the forged one reached its SA, and failed
            Assert.True(b.Received.StaysEmpty(s_quiet));
            Assert.False(b.Ike.Reader.TryRead(out _));

            // The tunnel still works behind them.
            byte[] request = PacketBuilder.Udp(IPAddress.Parse("198.19.16.5"), IPAddress.Parse("198.19.32.7"), 1000, 2000, "after"u8);
            Assert.True(a.App.Inject(request));
            Assert.Equal(request, b.Received.Take(s_timeout));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Esp_with_the_other_encapsulation_is_counted_before_its_sa_is_touched(bool udpEncapsulated)
    {
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryRawPair(udpEncapsulated);
        using (a)
        using (b)
        {
            // B's inbound SPI on the bind of the other encapsulation, with a sequence number and room for an ICV.
            byte[] esp = [0x10, 0x00, 0x00, 0x01, 0, 0, 0, 1, .. new byte[64]];
            var wrong = Counting(udpEncapsulated ? a.RawBind : a.Bind).Inner;
            Assert.True(wrong.Inject(esp));
            Assert.True(WaitUntil(() => b.Table.GetDropCount(EspStatus.EncapsulationMismatch) == 1));
            Assert.Equal(0, b.InboundSa!.GetDropCount(EspStatus.IcvFailure));
            Assert.Equal(1, b.Counters.EspRejected);
            Assert.True(b.Received.StaysEmpty(s_quiet));
        }
    }

    private static CountingBind Counting(Transport.IDatagramBind? bind) => Assert.IsType<CountingBind>(bind);
}
