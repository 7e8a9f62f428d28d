using System.Diagnostics.Metrics;
using System.Net;
using IpsecFw.Esp.DataPath;
using IpsecFw.Esp.Sa;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>The per-packet look-ups the loops rely on: prefixes, inbound selectors, the prefix SA selector, and the counters' export.</summary>
public sealed class SelectorTests
{
    [Theory]
    [InlineData("198.19.16.0/20", "198.19.31.255", true)]
    [InlineData("198.19.16.0/20", "198.19.32.0", false)]
    [InlineData("0.0.0.0/0", "192.0.2.1", true)]
    [InlineData("0.0.0.0/0", "::1", false)]           // families never match each other
    [InlineData("2001:2:a::/64", "2001:2:a::ffff", true)]
    [InlineData("2001:2:a::/64", "2001:2:a:1::1", false)]
    [InlineData("::/0", "198.19.0.1", false)]
    [InlineData("2001:db8::1/128", "2001:db8::1", true)]
    [InlineData("2001:db8::1/128", "2001:db8::2", false)]
    [InlineData("192.0.2.7/32", "192.0.2.7", true)]
    public void InnerPrefix_matches_by_family_and_length(string prefix, string address, bool expected)
    {
        byte[] bytes = IPAddress.Parse(address).GetAddressBytes();
        Assert.Equal(expected, InnerPrefix.Parse(prefix).Contains(bytes));
    }

    [Fact]
    public void Inbound_selectors_check_source_against_remote_and_destination_against_local()
    {
        var table = new InboundSelectorTable();
        table.Set(0x1234, InnerSelectors.Parse(["198.19.16.0/20", "2001:2:a::/64"], ["198.19.32.0/20", "2001:2:b::/64"]));
        IPAddress a = IPAddress.Parse("198.19.16.1"), b = IPAddress.Parse("198.19.32.1"), x = IPAddress.Parse("198.19.144.1");

        Assert.True(table.Allows(0x1234, PacketBuilder.Udp(a, b, 1, 2, [])));
        Assert.False(table.Allows(0x1234, PacketBuilder.Udp(x, b, 1, 2, [])));   // spoofed source
        Assert.False(table.Allows(0x1234, PacketBuilder.Udp(a, x, 1, 2, [])));   // destination not ours
        Assert.False(table.Allows(0x1234, PacketBuilder.Udp(b, a, 1, 2, [])));   // reversed
        Assert.True(table.Allows(0x1234, PacketBuilder.Udp(IPAddress.Parse("2001:2:a::1"), IPAddress.Parse("2001:2:b::1"), 1, 2, [])));
        Assert.False(table.Allows(0x9999, PacketBuilder.Udp(a, b, 1, 2, [])));   // no entry: fail closed
        Assert.False(table.Allows(0x1234, [0x45, 0, 0]));                        // not a packet
        Assert.True(table.Remove(0x1234));
        Assert.False(table.Allows(0x1234, PacketBuilder.Udp(a, b, 1, 2, [])));
    }

    [Fact]
    public void Prefix_selector_picks_the_longest_prefix_and_forgets_removed_SAs()
    {
        using var wide = new EspSa(Config(0x1000));
        using var narrow = new EspSa(Config(0x2000));
        var peerWide = new IPEndPoint(IPAddress.Parse("198.18.0.1"), 4500);
        var peerNarrow = new IPEndPoint(IPAddress.Parse("198.18.0.2"), 4501);
        var selector = new PrefixSaSelector();
        selector.Add(IPNetwork.Parse("198.19.0.0/16"), wide, peerWide);
        selector.Add(IPNetwork.Parse("198.19.32.0/20"), narrow, peerNarrow);

        Assert.Same(narrow, selector.Select(IPAddress.Parse("198.19.35.4").GetAddressBytes(), out SocketAddress? remote));
        Assert.Equal(peerNarrow.Serialize(), remote);
        Assert.Same(wide, selector.Select(IPAddress.Parse("198.19.51.4").GetAddressBytes(), out remote));
        Assert.Equal(peerWide.Serialize(), remote);
        Assert.Null(selector.Select(IPAddress.Parse("192.0.2.1").GetAddressBytes(), out remote));
        Assert.Null(remote);

        selector.Remove(narrow);
        Assert.Same(wide, selector.Select(IPAddress.Parse("198.19.35.4").GetAddressBytes(), out _));
    }

    [Fact]
    public void Counters_are_exported_with_a_reason_tag()
    {
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair();
        using (a)
        using (b)
        {
            using var meter = new Meter("IpsecFw.Tests.DataPath." + Guid.NewGuid());
            a.Counters.Register(meter);
            Assert.True(a.App.Inject(PacketBuilder.Udp(IPAddress.Parse("198.19.16.5"), IPAddress.Parse("192.0.2.1"), 1, 2, "x"u8)));
            Assert.True(DataPathEndToEndTests.WaitUntil(() => a.Counters.NoSa == 1));

            var seen = new Dictionary<string, long>();
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == meter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                foreach (KeyValuePair<string, object?> tag in tags)
                {
                    seen[$"{instrument.Name}{{{tag.Key}={tag.Value}}}"] = value;
                }
            });
            listener.Start();
            listener.RecordObservableInstruments();

            Assert.Equal(1, seen["ipsecfw.datapath.drops{reason=no_sa}"]);
            Assert.Equal(0, seen["ipsecfw.datapath.drops{reason=selector_mismatch}"]);
            Assert.Equal(0, seen["ipsecfw.datapath.packets{direction=outbound}"]);
        }
    }

    private static EspSaConfig Config(uint spi) => new()
    {
        Spi = spi,
        Direction = EspDirection.Outbound,
        Cipher = EspCipher.AesGcm256,
        KeyMaterial = new byte[36],
    };
}
