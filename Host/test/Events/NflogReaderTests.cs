using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Host.Events;
using IpsecFw.Host.Platform;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Nftables;
using IpsecFw.Tun.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace IpsecFw.Host.Tests.Events;

/// <summary>
/// The NFLOG reader on nfnetlink_log messages built here byte by byte as the kernel writes them (nlmsghdr in host byte
/// order, nfgenmsg, attributes padded to 4, big-endian values): each logged packet becomes a <c>denied</c> event with
/// reason <c>kernel_drop</c>, the rule its prefix names and the flow of its payload, even cut to the copy range; every
/// malformed message, foreign prefix or unreadable payload is a counted drop, never an exception.
/// </summary>
public sealed class NflogReaderTests
{
    private const ushort Group = 4321;
    private const string Source = "outsiders = IPv4{198.18.0.0/24};\nmine = IPv4{198.18.5.5};\ndeny tcp/8081(outsiders, *);\ndeny udp/53(mine, *);\n";
    private static readonly IPAddress s_outsider = IPAddress.Parse("198.18.0.1");
    private static readonly IPAddress s_self = IPAddress.Parse("198.18.5.5");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly RecordingSink _sink = new();

    [Fact]
    public void A_packet_of_the_default_deny_on_the_input_hook_is_an_inbound_kernel_drop_event()
    {
        (EventPipeline events, NflogReader reader) = Reader();
        using (events)
        {
            byte[] syn = PacketBuilder.Tcp(s_outsider, s_self, 40001, 8082, PacketBuilder.TcpSyn);
            Assert.Equal(1, reader.Handle(Message(NftLogPrefix.Default, syn, inDevice: 1)));
            events.Drain();

            RenderedEvent e = Assert.Single(_sink.Events);
            Assert.Equal(("denied", EventRenderer.Warning), (e.Name, e.Severity));
            Assert.Equal(
                "direction=inbound protocol=tcp source=198.18.0.1 sourcePort=40001 destination=198.18.5.5 destinationPort=8082 interface=lo "
                + "rule=-1 line=0 ruleText=default deny policyVersion=3 reason=kernel_drop",
                Fields(e));
            Assert.Equal("denied inbound tcp 198.18.0.1:40001 -> 198.18.5.5:8082 in clear on lo by the default deny (nftables)", e.Message);
            Assert.Equal((1L, 1L), (Counter(events, "nflog.received"), Counter(events, "nflog.recorded")));
        }
    }

    [Fact]
    public void A_packet_of_a_deny_rule_names_the_rule_and_its_line_and_on_the_output_hook_is_outbound()
    {
        (EventPipeline events, NflogReader reader) = Reader();
        using (events)
        {
            byte[] query = PacketBuilder.Udp(s_self, s_outsider, 5353, 53, [1, 2, 3]);
            Assert.Equal(1, reader.Handle(Message(NftLogPrefix.ForRule(1, 4), query, outDevice: 1)));
            events.Drain();

            RenderedEvent e = Assert.Single(_sink.Events);
            Assert.Equal(("outbound", "udp", "53", "lo"), (Field(e, "direction"), Field(e, "protocol"), Field(e, "destinationPort"), Field(e, "interface")));
            Assert.Equal(("1", "4", "deny udp/53(mine, *);", "kernel_drop"), (Field(e, "rule"), Field(e, "line"), Field(e, "ruleText"), Field(e, "reason")));
        }
    }

    [Fact]
    public void A_rule_the_running_policy_does_not_have_at_that_line_keeps_its_number_without_text()
    {
        (EventPipeline events, NflogReader reader) = Reader();
        using (events)
        {
            byte[] syn = PacketBuilder.Tcp(s_outsider, s_self, 40001, 8081, PacketBuilder.TcpSyn);
            reader.Handle(Message(NftLogPrefix.ForRule(0, 9), syn, inDevice: 1));
            reader.Handle(Message(NftLogPrefix.ForRule(7, 3), syn, inDevice: 1));
            events.Drain();

            Assert.Equal(2, _sink.Events.Count);
            Assert.Equal(("0", "9", "?", "0"), (Field(_sink.Events[0], "rule"), Field(_sink.Events[0], "line"), Field(_sink.Events[0], "ruleText"), Field(_sink.Events[0], "policyVersion")));
            Assert.Equal(("7", "3", "?"), (Field(_sink.Events[1], "rule"), Field(_sink.Events[1], "line"), Field(_sink.Events[1], "ruleText")));
        }
    }

    [Theory]
    [InlineData("198.18.0.1", "198.18.5.5")]
    [InlineData("2001:2::1", "2001:2::5")]
    public void A_packet_cut_to_the_copy_range_still_gives_its_flow(string from, string to)
    {
        (EventPipeline events, NflogReader reader) = Reader();
        using (events)
        {
            byte[] segment = PacketBuilder.Tcp(IPAddress.Parse(from), IPAddress.Parse(to), 40001, 8081, PacketBuilder.TcpAck, new byte[1200]);
            Assert.Equal(1, reader.Handle(Message(NftLogPrefix.ForRule(0, 3), segment.AsSpan(0, NftOptions.EventSnapLength), inDevice: 1)));
            events.Drain();

            RenderedEvent e = Assert.Single(_sink.Events);
            Assert.Equal((from, to, "40001", "8081"), (Field(e, "source"), Field(e, "destination"), Field(e, "sourcePort"), Field(e, "destinationPort")));
        }
    }

    [Fact]
    public void Several_messages_in_one_datagram_are_all_read_and_an_acknowledgement_is_passed_over()
    {
        (EventPipeline events, NflogReader reader) = Reader();
        using (events)
        {
            byte[] syn = PacketBuilder.Tcp(s_outsider, s_self, 40001, 8082, PacketBuilder.TcpSyn);
            byte[] datagram = [.. Ack(), .. Message(NftLogPrefix.Default, syn, inDevice: 1), .. Message(NftLogPrefix.ForRule(0, 3), syn, inDevice: 1)];
            Assert.Equal(2, reader.Handle(datagram));
            Assert.Equal(0, Counter(events, "nflog.dropped_malformed"));
        }
    }

    [Fact]
    public void Malformed_messages_foreign_prefixes_other_groups_and_unreadable_payloads_are_counted_drops()
    {
        (EventPipeline events, NflogReader reader) = Reader();
        using (events)
        {
            byte[] syn = PacketBuilder.Tcp(s_outsider, s_self, 40001, 8082, PacketBuilder.TcpSyn);
            byte[] good = Message(NftLogPrefix.Default, syn, inDevice: 1);

            // The netlink length: below the header, past the datagram, a datagram shorter than a header.
            Assert.Equal(0, reader.Handle(WithLength(good, 15)));
            Assert.Equal(0, reader.Handle(WithLength(good, (uint)good.Length + 4)));
            Assert.Equal(0, reader.Handle(good.AsSpan(0, 10)));
            Assert.Equal(3, reader.Malformed(NflogStatus.BadMessageLength));

            // An attribute whose length is below 4 or runs past the message; an interface index of the wrong size; no nfgenmsg.
            Assert.Equal(0, reader.Handle(Patch(good, 20, 2)));
            Assert.Equal(0, reader.Handle(Patch(good, 20, 0x7FF0)));
            Assert.Equal(0, reader.Handle(Build(Group, (4, new byte[] { 0, 0, 1 }), (9, syn), (10, Ascii(NftLogPrefix.Default)))));
            Assert.Equal(0, reader.Handle(Header(16 + 2, 0x0400).Concat(new byte[] { 2, 0 }).ToArray()));
            Assert.Equal(4, reader.Malformed(NflogStatus.BadAttribute));

            // No payload (a group in another copy mode), no prefix.
            Assert.Equal(0, reader.Handle(Build(Group, (10, Ascii(NftLogPrefix.Default)))));
            Assert.Equal(0, reader.Handle(Build(Group, (9, syn))));
            Assert.Equal((1L, 1L), (reader.Malformed(NflogStatus.NoPayload), reader.Malformed(NflogStatus.NoPrefix)));

            // Well-formed, but not ours to report.
            Assert.Equal(0, reader.Handle(Message("other table: drop ", syn, inDevice: 1)));
            Assert.Equal(0, reader.Handle(Message(NftLogPrefix.Default, syn, inDevice: 1, group: 7)));
            Assert.Equal(0, reader.Handle(Message(NftLogPrefix.Default, [0x45, 0, 0, 20], inDevice: 1)));
            Assert.Equal(0, reader.Handle(Message(NftLogPrefix.Default, [0x60, 1, 2], inDevice: 1)));
            Assert.Equal(
                (1L, 1L, 2L, 9L, 4L, 0L),
                (Counter(events, "nflog.dropped_foreign_prefix"), Counter(events, "nflog.dropped_other_group"), Counter(events, "nflog.dropped_unclassifiable"),
                    Counter(events, "nflog.dropped_malformed"), Counter(events, "nflog.received"), Counter(events, "nflog.recorded")));
            Assert.Equal(0, events.Drain());
        }
    }

    [Fact]
    public void Random_and_mutated_datagrams_never_throw()
    {
        (EventPipeline events, NflogReader reader) = Reader();
        using (events)
        {
            var random = new Random(5425);
            byte[] good = Message(NftLogPrefix.ForRule(0, 3), PacketBuilder.Tcp(s_outsider, s_self, 40001, 8081, PacketBuilder.TcpSyn), inDevice: 1);
            for (int i = 0; i < 20_000; i++)
            {
                byte[] datagram = i % 2 == 0 ? new byte[random.Next(0, 200)] : (byte[])good.Clone();
                if (i % 2 == 0)
                {
                    random.NextBytes(datagram);
                }
                else
                {
                    for (int flips = random.Next(1, 4); flips > 0; flips--)
                    {
                        datagram[random.Next(datagram.Length)] = (byte)random.Next(256);
                    }
                }

                reader.Handle(datagram);
                events.Drain();
            }

            // Some mutations leave a packet that still reads (a flipped payload byte), others break the message.
            Assert.True(Counter(events, "nflog.recorded") > 0 && Counter(events, "nflog.dropped_malformed") > 0, string.Join(", ", events.ReadCounters()));
        }
    }

    [Fact]
    public void Reading_packets_into_events_allocates_nothing()
    {
        (EventPipeline events, NflogReader reader) = Reader();
        using (events)
        {
            byte[] cut = Message(NftLogPrefix.ForRule(0, 3), PacketBuilder.Tcp(s_outsider, s_self, 40001, 8081, PacketBuilder.TcpAck, new byte[1200]).AsSpan(0, 256), inDevice: 1);
            byte[] whole = Message(NftLogPrefix.Default, PacketBuilder.Udp(s_outsider, s_self, 5000, 5001, [1]), inDevice: 1);
            byte[] bad = Patch(whole, 20, 2);
            Feed(reader, cut, whole, bad, 1000);
            events.Drain();

            long before = GC.GetAllocatedBytesForCurrentThread();
            Feed(reader, cut, whole, bad, 1000);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(4000, Counter(events, "nflog.recorded"));
        }
    }

    [Fact]
    public void The_bind_request_is_one_config_message_with_the_command_the_copy_mode_and_the_queue_threshold()
    {
        byte[] request = new byte[NflogMessages.BindRequestLength];
        NflogMessages.WriteBind(request, 7, Group, 256);
        Assert.Equal(
            [
                48, 0, 0, 0, 0x01, 0x04, 0x05, 0x00, 7, 0, 0, 0, 0, 0, 0, 0, // nlmsghdr: length, NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_CONFIG, REQUEST|ACK, seq, pid
                0, 0, 0x10, 0xE1,                                             // nfgenmsg: AF_UNSPEC, NFNETLINK_V0, group 4321 (big-endian)
                5, 0, 1, 0, 1, 0, 0, 0,                                       // NFULA_CFG_CMD: NFULNL_CFG_CMD_BIND, padded
                10, 0, 2, 0, 0, 0, 1, 0, 2, 0, 0, 0,                          // NFULA_CFG_MODE: copy_range 256, NFULNL_COPY_PACKET, padded
                8, 0, 5, 0, 0, 0, 0, 1,                                       // NFULA_CFG_QTHRESH: 1
            ],
            request);
    }

    [Fact]
    public void The_group_is_read_only_with_events_and_the_nftables_table_both_on()
    {
        var options = new EventsOptions { File = "e.jsonl" };
        var config = new HostConfig { Policy = new PolicyOptions { Source = "p.pol" }, Events = options };
        Assert.Equal(OperatingSystem.IsLinux() ? EventsOptions.DefaultNflogGroup : 0, NflogReader.Group(config));
        options.NflogGroup = 0;
        Assert.Equal(0, NflogReader.Group(config));
        options.NflogGroup = 9;
        Assert.Equal(OperatingSystem.IsLinux() ? 9 : 0, NflogReader.Group(config));
        config.Firewall.Nftables = false;
        Assert.Equal(0, NflogReader.Group(config));
        config.Firewall.Nftables = true;
        config.Events = null;
        Assert.Equal(0, NflogReader.Group(config));
    }

    /// <summary>The measured loop, compiled optimised at once (no tiering or on-stack replacement while it runs).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static void Feed(NflogReader reader, byte[] a, byte[] b, byte[] c, int count)
    {
        for (int i = 0; i < count; i++)
        {
            reader.Handle(a);
            reader.Handle(b);
            reader.Handle(c);
        }
    }

    private (EventPipeline Events, NflogReader Reader) Reader()
    {
        var events = new EventPipeline(new EventsOptions { PerSourceRate = 10_000, PerSourceBurst = 100_000, TotalRate = 100_000 }, "/", _time, NullLogger.Instance, [_sink]);
        var filter = new SpdPacketFilter(NullLogger.Instance, () => 1000, 64, events);
        filter.Apply(PolicyCompiler.Compile(Source, "p.pol", 3).Snapshot!.Specialize(null, [s_self]), Source);
        return (events, new NflogReader(Group, events, filter, NullLogger.Instance));
    }

    /// <summary>An NFULNL_MSG_PACKET as the kernel sends it: packet header, interfaces, payload, NUL-terminated prefix.</summary>
    private static byte[] Message(string prefix, ReadOnlySpan<byte> payload, uint inDevice = 0, uint outDevice = 0, ushort group = Group)
    {
        var attributes = new List<(ushort, byte[])> { (1, [0x08, 0x00, inDevice != 0 ? (byte)1 : (byte)3, 0]) };
        if (inDevice != 0)
        {
            attributes.Add((4, BigEndian(inDevice)));
        }

        if (outDevice != 0)
        {
            attributes.Add((5, BigEndian(outDevice)));
        }

        attributes.Add((9, payload.ToArray()));
        attributes.Add((10, [.. Ascii(prefix), 0]));
        return Build(group, [.. attributes]);
    }

    private static byte[] Build(ushort group, params (ushort Type, byte[] Value)[] attributes)
    {
        var body = new List<byte> { 2, 0, (byte)(group >> 8), (byte)group };
        foreach ((ushort type, byte[] value) in attributes)
        {
            body.AddRange(Host16((ushort)(4 + value.Length)));
            body.AddRange(Host16(type));
            body.AddRange(value);
            while (body.Count % 4 != 0)
            {
                body.Add(0);
            }
        }

        return [.. Header(16 + body.Count, 0x0400), .. body];
    }

    /// <summary>An acknowledgement: NLMSG_ERROR with error 0 and the request's header.</summary>
    private static byte[] Ack() => [.. Header(36, 2), 0, 0, 0, 0, .. Header(48, 0x0401)];

    private static byte[] Header(int length, ushort type) => [.. Host32((uint)length), .. Host16(type), 0, 0, 1, 0, 0, 0, 0, 0, 0, 0];

    private static byte[] WithLength(byte[] message, uint length)
    {
        byte[] copy = (byte[])message.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(copy, length);
        return copy;
    }

    private static byte[] Patch(byte[] message, int offset, ushort value)
    {
        byte[] copy = (byte[])message.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(offset), value);
        return copy;
    }

    private static byte[] Host32(uint value) => BitConverter.GetBytes(value);

    private static byte[] Host16(ushort value) => BitConverter.GetBytes(value);

    private static byte[] BigEndian(uint value)
    {
        byte[] b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        return b;
    }

    private static byte[] Ascii(string text) => System.Text.Encoding.ASCII.GetBytes(text);

    private static string Fields(RenderedEvent e) =>
        string.Join(' ', e.Fields.Select(f => f.Name + "=" + (f.Text ?? f.Number.ToString(CultureInfo.InvariantCulture))));

    private static string Field(RenderedEvent e, string name)
    {
        EventField f = e.Fields.Single(x => x.Name == name);
        return f.Text ?? f.Number.ToString(CultureInfo.InvariantCulture);
    }

    private static long Counter(EventPipeline events, string name) => events.ReadCounters().GetValueOrDefault(name);
}
