using System.Net;
using System.Text.Json;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Host.Events;
using IpsecFw.Host.Tests.Support;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;
using IpsecFw.Tun.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Host.Tests.Events;

/// <summary>
/// Denials on the data path (Figure 1 at host1) and refused IKE peers become events: through the ring, the rate limit
/// and the renderer into a sink; the JSON-lines file with its reopen and size cap; the counters of <c>status</c>.
/// </summary>
public sealed class EventPipelineTests : IDisposable
{
    private const uint Host2In = 0x200, Host2Out = 0x201;
    private static readonly IPAddress s_host1 = IPAddress.Parse("198.18.1.1");
    private static readonly IPAddress s_host2 = IPAddress.Parse("198.18.3.3");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingSink _sink = new();
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_denied_connection_through_an_SA_is_an_event_with_the_flow_the_peer_identity_and_the_deciding_rule()
    {
        using EventPipeline events = Pipeline(new EventsOptions());
        SpdPacketFilter filter = Host1(events);

        Assert.Equal(PacketVerdict.PolicyDenied, filter.Inbound(Host2In, Buffer(PacketBuilder.Tcp(s_host2, s_host1, 40001, 25, PacketBuilder.TcpSyn))));
        Assert.Equal(1, events.Drain());

        RenderedEvent e = Assert.Single(_sink.Events);
        Assert.Equal(("denied", EventRenderer.Warning, _time.GetUtcNow()), (e.Name, e.Severity, e.Time));
        Assert.Equal(
            "direction=inbound protocol=tcp source=198.18.3.3 sourcePort=40001 destination=198.18.1.1 destinationPort=25 spi=00000200 "
            + "peer=CN=host2.example.com peerName=host2 rule=-1 line=0 ruleText=default deny policyVersion=1 reason=policy_denied",
            string.Join(' ', e.Fields.Select(f => f.Name + "=" + (f.Text ?? f.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        Assert.Equal("denied inbound tcp 198.18.3.3:40001 -> 198.18.1.1:25 on SA 00000200 (peer CN=host2.example.com) by the default deny", e.Message);
    }

    [Fact]
    public void A_denial_by_a_deny_rule_names_the_rule_and_its_line()
    {
        const string Source = "h = x509{name=\"*.example.com\"};\ndeny ssh(h, h);\nallow *(h, h);\n";
        using EventPipeline events = Pipeline(new EventsOptions());
        var filter = new SpdPacketFilter(NullLogger.Instance, () => 1000, 64, events);
        PolicySnapshot local = PolicyCompiler.Compile(Source, "p.pol", 7).Snapshot!.Specialize(Identity("host1.example.com"), [s_host1]);
        filter.Apply(local, Source);
        filter.AddSa(Host2In, Host2Out, "host2", Identity("host2.example.com"));

        Assert.Equal(PacketVerdict.PolicyDenied, filter.Outbound(Host2Out, Buffer(PacketBuilder.Tcp(s_host1, s_host2, 50000, 22, PacketBuilder.TcpSyn))));
        events.Drain();

        RenderedEvent e = Assert.Single(_sink.Events);
        Assert.Equal("outbound", Field(e, "direction"));
        Assert.Equal(("0", "2", "deny ssh(h, h);", "7"), (Field(e, "rule"), Field(e, "line"), Field(e, "ruleText"), Field(e, "policyVersion")));
    }

    [Fact]
    public void A_refused_IKE_peer_is_an_event_with_its_address_and_the_reason()
    {
        using EventPipeline events = Pipeline(new EventsOptions());
        events.RecordIkeRefusal(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 500), new IPEndPoint(IPAddress.Parse("198.18.0.2"), 500), inbound: true,
            "left", EventRenderer.ReasonName(Ike.Auth.AuthFailure.NotAllowed), "policy refuses peer CN=evil.example.com: no allow rule admits it");
        events.Drain();

        RenderedEvent e = Assert.Single(_sink.Events);
        Assert.Equal("ike-refused", e.Name);
        Assert.Equal(("198.18.0.1", "500", "not-allowed", "left"), (Field(e, "source"), Field(e, "sourcePort"), Field(e, "reason"), Field(e, "peerName")));
        Assert.Contains("CN=evil.example.com", Field(e, "detail"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_flood_from_one_address_is_cut_to_its_burst_and_summarised_with_the_count()
    {
        using EventPipeline events = Pipeline(new EventsOptions { PerSourceRate = 1, PerSourceBurst = 3 });
        SpdPacketFilter filter = Host1(events);
        for (int i = 0; i < 50; i++)
        {
            filter.Inbound(Host2In, Buffer(PacketBuilder.Tcp(s_host2, s_host1, (ushort)(40000 + i), 25, PacketBuilder.TcpSyn)));
        }

        Assert.Equal(50, events.Drain());
        Assert.Equal(3, _sink.Events.Count);

        _time.Advance(TimeSpan.FromSeconds(11));
        events.Drain();

        RenderedEvent summary = _sink.Events[^1];
        Assert.Equal(("suppressed", EventRenderer.Notice, "198.18.3.3", "47"), (summary.Name, summary.Severity, Field(summary, "source"), Field(summary, "count")));
        IReadOnlyDictionary<string, long> counters = events.ReadCounters();
        Assert.Equal((50L, 3L, 47L, 1L, 0L), (counters["recorded"], counters["emitted"], counters["suppressed"], counters["summaries"], counters["dropped_queue_full"]));
        Assert.Equal(4, counters["test.written"]);
    }

    [Fact]
    public void Without_events_configured_nothing_is_recorded()
    {
        using var events = new EventPipeline(null, "/", _time, NullLogger.Instance, null);
        SpdPacketFilter filter = Host1(events);
        filter.Inbound(Host2In, Buffer(PacketBuilder.Tcp(s_host2, s_host1, 40001, 25, PacketBuilder.TcpSyn)));
        Assert.False(events.Enabled);
        Assert.Equal(0, events.Drain());
        Assert.Equal(0, events.ReadCounters()["recorded"]);
    }

    [Fact]
    public void The_file_gets_JSON_lines_is_reopened_after_logrotate_moved_it_and_is_rotated_at_its_size_cap()
    {
        string path = Path.Combine(_dir.Path, "events.jsonl");
        using var events = new EventPipeline(new EventsOptions { File = "events.jsonl", Hostname = "host1" }, _dir.Path, _time, NullLogger.Instance, null);
        SpdPacketFilter filter = Host1(events);
        filter.Inbound(Host2In, Buffer(PacketBuilder.Tcp(s_host2, s_host1, 40001, 25, PacketBuilder.TcpSyn)));
        events.Drain();

        string[] lines = File.ReadAllLines(path);
        using (JsonDocument doc = JsonDocument.Parse(Assert.Single(lines)))
        {
            JsonElement root = doc.RootElement;
            Assert.Equal(("2026-11-25T12:00:00.000Z", "host1", "denied", "198.18.3.3", 25), (root.GetProperty("time").GetString(),
                root.GetProperty("host").GetString(), root.GetProperty("event").GetString(), root.GetProperty("source").GetString(),
                root.GetProperty("destinationPort").GetInt32()));
            Assert.Equal("CN=host2.example.com", root.GetProperty("peer").GetString());
        }

        // logrotate: the file is moved away, then SIGHUP; the next event goes to a new file of the same name.
        File.Move(path, path + ".old");
        events.Reopen();
        filter.Inbound(Host2In, Buffer(PacketBuilder.Tcp(s_host2, s_host1, 40002, 25, PacketBuilder.TcpSyn)));
        events.Drain();
        Assert.Single(File.ReadAllLines(path + ".old"));
        Assert.Contains("\"sourcePort\":40002", Assert.Single(File.ReadAllLines(path)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_past_its_size_cap_is_renamed_to_dot_one()
    {
        string path = Path.Combine(_dir.Path, "capped.jsonl");
        using var events = new EventPipeline(new EventsOptions { File = path, MaxFileBytes = 4096, PerSourceBurst = 1000, PerSourceRate = 1000 }, "/",
            _time, NullLogger.Instance, null);
        SpdPacketFilter filter = Host1(events);
        for (int i = 0; i < 40; i++)
        {
            filter.Inbound(Host2In, Buffer(PacketBuilder.Tcp(s_host2, s_host1, (ushort)(40000 + i), 25, PacketBuilder.TcpSyn)));
        }

        events.Drain();

        // About 400 octets a line: the cap is reached several times; one older generation is kept.
        Assert.True(new FileInfo(path).Length <= 4096);
        Assert.True(new FileInfo(path + ".1").Length is > 0 and <= 4096);
        IReadOnlyDictionary<string, long> counters = events.ReadCounters();
        Assert.Equal(40, counters["file.written"]);
        Assert.True(counters["file.rotated"] >= 2, counters["file.rotated"].ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("\"sourcePort\":40039", File.ReadAllLines(path)[^1], StringComparison.Ordinal);
        Assert.False(File.Exists(path + ".2"));
    }

    [Fact]
    public void A_file_that_cannot_be_written_is_counted_not_thrown()
    {
        using var events = new EventPipeline(new EventsOptions { File = Path.Combine(_dir.Path, "no-such-dir", "e.jsonl") }, "/", _time, NullLogger.Instance, null);
        SpdPacketFilter filter = Host1(events);
        filter.Inbound(Host2In, Buffer(PacketBuilder.Tcp(s_host2, s_host1, 40001, 25, PacketBuilder.TcpSyn)));
        events.Drain();
        Assert.Equal((0L, 1L), (events.ReadCounters()["file.written"], events.ReadCounters()["file.failed"]));
    }

    private EventPipeline Pipeline(EventsOptions options) => new(options, "/", _time, NullLogger.Instance, [_sink]);

    private static SpdPacketFilter Host1(EventPipeline events)
    {
        var filter = new SpdPacketFilter(NullLogger.Instance, () => 1000, 1024, events);
        filter.Apply(PolicyCompiler.Compile(Figure1.Source, "figure1.pol", 1).Snapshot!.Specialize(Identity("host1.example.com"), [s_host1]), Figure1.Source);
        filter.AddSa(Host2In, Host2Out, "host2", Identity("host2.example.com"));
        return filter;
    }

    private static string Field(RenderedEvent e, string name)
    {
        EventField f = e.Fields.Single(x => x.Name == name);
        return f.Text ?? f.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static PeerIdentity Identity(string name) => new()
    {
        SubjectDn = "CN=" + name,
        CommonName = name,
        DnsNames = [name],
        NotBefore = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
        NotAfter = new DateTimeOffset(2035, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    private static PacketBuffer Buffer(byte[] packet)
    {
        var buffer = new PacketBuffer(2048) { Offset = PacketBuffer.Headroom + 8, Length = packet.Length };
        packet.CopyTo(buffer.Packet);
        return buffer;
    }
}
