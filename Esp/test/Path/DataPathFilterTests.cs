using System.Diagnostics.Metrics;
using System.Net;
using IpsecFw.Esp.DataPath;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>The per-packet policy hook of both loops: called with the SA's SPI, its refusals counted by verdict and direction.</summary>
public sealed class DataPathFilterTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private static readonly IPAddress s_a = IPAddress.Parse("198.19.16.5");
    private static readonly IPAddress s_b = IPAddress.Parse("198.19.32.7");

    [Fact]
    public void The_inbound_hook_sees_every_packet_with_its_SPI_and_its_refusals_are_counted_and_not_written()
    {
        var filterB = new PortFilter(inboundPort: 9, PacketVerdict.PolicyDenied, outboundPort: 0, PacketVerdict.Pass);
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair(filterB: filterB);
        using (a)
        using (b)
        {
            for (int i = 0; i < 10; i++)
            {
                Assert.True(a.App.Inject(PacketBuilder.Udp(s_a, s_b, 1000, (ushort)(i % 2 == 0 ? 9 : 2000), [(byte)i])));
            }

            List<byte[]> got = b.Received.Take(5, s_timeout);
            Assert.All(got, p => Assert.True(PacketBuilder.TryGetUdp(p, out _, out ushort port, out _) && port == 2000));
            Assert.True(b.Received.StaysEmpty(TimeSpan.FromMilliseconds(200)));
            Assert.Equal(10, filterB.InboundCalls);
            Assert.Equal(0x1000_0001u, filterB.LastInboundSpi);
            Assert.Equal(5, b.Counters.FilterCount(PacketVerdict.PolicyDenied, EspDirection.Inbound));
            Assert.Equal(0, b.Counters.FilterCount(PacketVerdict.PolicyDenied, EspDirection.Outbound));
            Assert.Equal(5, b.Counters.InboundPackets);
        }
    }

    [Fact]
    public void The_outbound_hook_runs_before_sealing_and_a_refused_packet_is_never_sent()
    {
        var filterA = new PortFilter(inboundPort: 0, PacketVerdict.Pass, outboundPort: 7, PacketVerdict.ConntrackInvalid);
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair(filterA: filterA);
        using (a)
        using (b)
        {
            for (int i = 0; i < 6; i++)
            {
                Assert.True(a.App.Inject(PacketBuilder.Udp(s_a, s_b, 1000, (ushort)(i < 4 ? 7 : 2000), [(byte)i])));
            }

            Assert.Equal(2, b.Received.Take(2, s_timeout).Count);
            Assert.True(b.Received.StaysEmpty(TimeSpan.FromMilliseconds(200)));
            Assert.Equal(6, filterA.OutboundCalls);
            Assert.Equal(0x1000_0001u, filterA.LastOutboundSpi);
            Assert.Equal(4, a.Counters.FilterCount(PacketVerdict.ConntrackInvalid, EspDirection.Outbound));
            Assert.Equal(2, a.Counters.OutboundPackets);
            Assert.Equal(0, b.Counters.EspRejected);
        }
    }

    [Fact]
    public void No_SA_is_counted_before_the_hook_is_asked()
    {
        var filterA = new PortFilter(0, PacketVerdict.Pass, 0, PacketVerdict.Pass);
        (DataPathHost a, DataPathHost b) = DataPathHost.InMemoryPair(filterA: filterA);
        using (a)
        using (b)
        {
            Assert.True(a.App.Inject(PacketBuilder.Udp(s_a, IPAddress.Parse("198.19.99.1"), 1000, 2000, [1])));
            Assert.True(a.App.Inject(PacketBuilder.Udp(s_a, s_b, 1000, 2000, [2])));
            Assert.Single(b.Received.Take(1, s_timeout));
            Assert.Equal(1, a.Counters.NoSa);
            Assert.Equal(1, filterA.OutboundCalls);
        }
    }

    [Fact]
    public void Filter_verdicts_are_exported_as_drop_reasons_per_direction()
    {
        var counters = new DataPathCounters();
        counters.CountFilter(PacketVerdict.PolicyDenied, EspDirection.Inbound);
        counters.CountFilter(PacketVerdict.PolicyDenied, EspDirection.Inbound);
        counters.CountFilter(PacketVerdict.FragmentDropped, EspDirection.Outbound);
        using var meter = new Meter("test-filter-" + Guid.NewGuid());
        counters.Register(meter);
        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter == meter && i.Name == "ipsecfw.datapath.drops")
            {
                l.EnableMeasurementEvents(i);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => seen[(string)tags[0].Value!] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(2, seen["policy_denied_in"]);
        Assert.Equal(0, seen["policy_denied_out"]);
        Assert.Equal(1, seen["fragment_dropped_out"]);
        Assert.Equal(0, seen["conntrack_invalid_in"]);
        Assert.Equal("no_policy_out", DataPathCounters.FilterReasonName(PacketVerdict.NoPolicy, EspDirection.Outbound));
    }
}
