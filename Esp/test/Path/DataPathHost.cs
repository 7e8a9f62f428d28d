using System.Net;
using System.Security.Cryptography;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;
using IpsecFw.Esp.Sa;
using IpsecFw.Esp.Testing;
using IpsecFw.Esp.Transport;
using IpsecFw.Tun.Testing;

namespace IpsecFw.Esp.Tests.DataPath;

/// <summary>
/// One in-process endpoint (nebula's e2e router, wireguard's genTestPair): a ChannelTun whose far end the test injects
/// into and collects from, a datagram bind, an SA table, the outbound selector, the inbound selectors, and the two loops.
/// <see cref="Pair"/> joins two hosts with a pair of AES-GCM-256 SAs under random keys.
/// </summary>
internal sealed class DataPathHost : IDisposable
{
    public const int PoolSize = 128;

    private bool _stopped;

    private DataPathHost(string name, IDatagramBind bind, IReadOnlyList<IPNetwork> own, IPacketFilter? filter, AcquireQueue? acquires = null,
        IDatagramBind? rawBind = null)
    {
        Name = name;
        Bind = bind;
        RawBind = rawBind;
        OwnNetworks = own;
        (ChannelTun loopEnd, ChannelTun appEnd) = ChannelTun.CreatePair(capacity: 1024, mtu: 1400, batchSize: 32);
        App = appEnd;
        Device = new TunPacketDevice(loopEnd);
        Received = new PacketCollector(appEnd);
        Outbound = new OutboundLoop(Device, Bind, Selector, Pool, Counters, filter: filter, acquires: acquires, rawBind: rawBind);
        Inbound = new InboundLoop(Bind, Device, Table, Selectors, Ike, Pool, Counters, filter: filter) { StrictEncapsulation = rawBind is not null };
        RawInbound = rawBind is null ? null : new InboundLoop(rawBind, Device, Table, Selectors, null, Pool, Counters, filter: filter, rawEsp: true);
    }

    public string Name { get; }

    public IReadOnlyList<IPNetwork> OwnNetworks { get; }

    /// <summary>The far end of this host's TUN: inject here what "the kernel routed into the tunnel".</summary>
    public ChannelTun App { get; }

    /// <summary>What this host's inbound loop wrote to its TUN.</summary>
    public PacketCollector Received { get; }

    public TunPacketDevice Device { get; }

    public IDatagramBind Bind { get; }

    /// <summary>The raw ESP bind (IP protocol 50) beside <see cref="Bind"/>, when the host has one.</summary>
    public IDatagramBind? RawBind { get; }

    /// <summary>The inbound loop on <see cref="RawBind"/>, when there is one.</summary>
    public InboundLoop? RawInbound { get; }

    public EspSaTable Table { get; } = new();

    public PrefixSaSelector Selector { get; } = new();

    public InboundSelectorTable Selectors { get; } = new();

    public DataPathCounters Counters { get; } = new();

    public IkeDatagramQueue Ike { get; } = new(capacity: 4);

    public PacketPool Pool { get; } = new(PoolSize, 2048);

    public OutboundLoop Outbound { get; }

    public InboundLoop Inbound { get; }

    public EspSa? OutboundSa { get; private set; }

    public EspSa? InboundSa { get; private set; }

    /// <summary>Two started hosts: A owns 198.19.16.0/20 and 2001:2:a::/64, B owns 198.19.32.0/20 and 2001:2:b::/64.</summary>
    public static (DataPathHost A, DataPathHost B) Pair(IDatagramBind bindA, IPEndPoint addressA, IDatagramBind bindB, IPEndPoint addressB,
        IPacketFilter? filterA = null, IPacketFilter? filterB = null, AcquireQueue? acquiresA = null)
    {
        IPNetwork[] netA = [IPNetwork.Parse("198.19.16.0/20"), IPNetwork.Parse("2001:2:a::/64")];
        IPNetwork[] netB = [IPNetwork.Parse("198.19.32.0/20"), IPNetwork.Parse("2001:2:b::/64")];
        var a = new DataPathHost("A", bindA, netA, filterA, acquiresA);
        var b = new DataPathHost("B", bindB, netB, filterB);
        Connect(a, b, addressB, spi: 0x1000_0001);
        Connect(b, a, addressA, spi: 0x2000_0002);
        a.Start();
        b.Start();
        return (a, b);
    }

    /// <summary>
    /// Two started hosts joined by two <see cref="InMemoryBind"/> pairs: one stands for UDP/4500, the other for raw ESP
    /// (IP protocol 50, the IP header already skipped as <see cref="RawEspBind"/> does). The SAs are negotiated without
    /// UDP encapsulation unless <paramref name="udpEncapsulated"/>.
    /// </summary>
    public static (DataPathHost A, DataPathHost B) InMemoryRawPair(bool udpEncapsulated = false)
    {
        (InMemoryBind udpA, InMemoryBind udpB) = InMemoryBind.CreatePair(AddressA, AddressB);
        (InMemoryBind rawA, InMemoryBind rawB) = InMemoryBind.CreatePair(AddressA, AddressB);
        return RawPair(new CountingBind(udpA), new CountingBind(rawA), AddressA, new CountingBind(udpB), new CountingBind(rawB), AddressB, udpEncapsulated);
    }

    /// <summary>Two started hosts, each with a UDP bind and a raw ESP bind; SAs as <see cref="InMemoryRawPair"/>.</summary>
    public static (DataPathHost A, DataPathHost B) RawPair(IDatagramBind udpA, IDatagramBind rawA, IPEndPoint addressA,
        IDatagramBind udpB, IDatagramBind rawB, IPEndPoint addressB, bool udpEncapsulated = false)
    {
        IPNetwork[] netA = [IPNetwork.Parse("198.19.16.0/20"), IPNetwork.Parse("2001:2:a::/64")];
        IPNetwork[] netB = [IPNetwork.Parse("198.19.32.0/20"), IPNetwork.Parse("2001:2:b::/64")];
        var a = new DataPathHost("A", udpA, netA, null, rawBind: rawA);
        var b = new DataPathHost("B", udpB, netB, null, rawBind: rawB);
        Connect(a, b, addressB, spi: 0x1000_0001, udpEncapsulated);
        Connect(b, a, addressA, spi: 0x2000_0002, udpEncapsulated);
        a.Start();
        b.Start();
        return (a, b);
    }

    /// <summary>Two started hosts joined by an <see cref="InMemoryBind"/> pair.</summary>
    public static (DataPathHost A, DataPathHost B) InMemoryPair(IPacketFilter? filterA = null, IPacketFilter? filterB = null, AcquireQueue? acquiresA = null)
    {
        (InMemoryBind bindA, InMemoryBind bindB) = InMemoryBind.CreatePair(AddressA, AddressB);
        return Pair(bindA, AddressA, bindB, AddressB, filterA, filterB, acquiresA);
    }

    /// <summary>A's outer address in <see cref="InMemoryPair"/>.</summary>
    public static IPEndPoint AddressA { get; } = new(IPAddress.Parse("198.18.0.1"), 4500);

    /// <summary>B's outer address in <see cref="InMemoryPair"/>.</summary>
    public static IPEndPoint AddressB { get; } = new(IPAddress.Parse("198.18.0.2"), 4500);

    /// <summary>Stops both loops; true when both threads ended within <paramref name="timeout"/>.</summary>
    public bool Stop(TimeSpan timeout)
    {
        _stopped = true;
        bool outbound = Outbound.Stop(timeout);
        bool inbound = Inbound.Stop(timeout);
        bool raw = RawInbound?.Stop(timeout) ?? true;
        return outbound && inbound && raw;
    }

    public void Dispose()
    {
        if (!_stopped)
        {
            Stop(TimeSpan.FromSeconds(5));
        }

        Received.Dispose();
        Table.Dispose();
        OutboundSa?.Dispose();
        InboundSa?.Dispose();
    }

    /// <summary>Total drops counted anywhere on this host: loops, table, and both SAs.</summary>
    public long TotalDrops()
    {
        long sum = Counters.NoSa + Counters.BadInnerPacket + Counters.SealFailed + Counters.SendFailed + Counters.EspRejected
            + Counters.NotTunnel + Counters.SelectorMismatch + Counters.TunWriteFailed + Counters.IkeQueueFull;
        foreach (PacketVerdict verdict in Enum.GetValues<PacketVerdict>())
        {
            sum += Counters.FilterCount(verdict, EspDirection.Inbound) + Counters.FilterCount(verdict, EspDirection.Outbound);
        }

        foreach (EspStatus reason in Enum.GetValues<EspStatus>()[1..])
        {
            sum += Table.GetDropCount(reason) + (OutboundSa?.GetDropCount(reason) ?? 0) + (InboundSa?.GetDropCount(reason) ?? 0);
        }

        return sum;
    }

    private void Start()
    {
        Inbound.Start();
        RawInbound?.Start();
        Outbound.Start();
    }

    /// <summary>An SA from <paramref name="from"/> to <paramref name="to"/>: outbound on one side, inbound on the other.</summary>
    private static void Connect(DataPathHost from, DataPathHost to, IPEndPoint toAddress, uint spi, bool udpEncapsulated = true)
    {
        byte[] keymat = RandomNumberGenerator.GetBytes(EspSa.KeyLength(EspCipher.AesGcm256) + 4);
        var config = new EspSaConfig
        {
            Spi = spi,
            Direction = EspDirection.Outbound,
            Cipher = EspCipher.AesGcm256,
            KeyMaterial = keymat,
            Mode = EspMode.Tunnel,
            UdpEncapsulation = udpEncapsulated ? new UdpEncapsulationPorts() : null,
        };
        from.OutboundSa = new EspSa(config);
        to.InboundSa = new EspSa(config with { Direction = EspDirection.Inbound });
        Assert.True(from.Table.TryAdd(from.OutboundSa));
        Assert.True(to.Table.TryAdd(to.InboundSa));
        foreach (IPNetwork network in to.OwnNetworks)
        {
            from.Selector.Add(network, from.OutboundSa, toAddress);
        }

        to.Selectors.Set(spi, new InnerSelectors(remote: from.OwnNetworks, local: to.OwnNetworks));
    }
}
