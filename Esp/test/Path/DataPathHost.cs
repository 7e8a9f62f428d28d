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

    private DataPathHost(string name, IDatagramBind bind, IReadOnlyList<IPNetwork> own, IPacketFilter? filter, AcquireQueue? acquires = null)
    {
        Name = name;
        Bind = bind;
        OwnNetworks = own;
        (ChannelTun loopEnd, ChannelTun appEnd) = ChannelTun.CreatePair(capacity: 1024, mtu: 1400, batchSize: 32);
        App = appEnd;
        Device = new TunPacketDevice(loopEnd);
        Received = new PacketCollector(appEnd);
        Outbound = new OutboundLoop(Device, Bind, Selector, Pool, Counters, filter: filter, acquires: acquires);
        Inbound = new InboundLoop(Bind, Device, Table, Selectors, Ike, Pool, Counters, filter: filter);
    }

    public string Name { get; }

    public IReadOnlyList<IPNetwork> OwnNetworks { get; }

    /// <summary>The far end of this host's TUN: inject here what "the kernel routed into the tunnel".</summary>
    public ChannelTun App { get; }

    /// <summary>What this host's inbound loop wrote to its TUN.</summary>
    public PacketCollector Received { get; }

    public TunPacketDevice Device { get; }

    public IDatagramBind Bind { get; }

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
        return outbound && inbound;
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
        Outbound.Start();
    }

    /// <summary>An SA from <paramref name="from"/> to <paramref name="to"/>: outbound on one side, inbound on the other.</summary>
    private static void Connect(DataPathHost from, DataPathHost to, IPEndPoint toAddress, uint spi)
    {
        byte[] keymat = RandomNumberGenerator.GetBytes(EspSa.KeyLength(EspCipher.AesGcm256) + 4);
        var config = new EspSaConfig
        {
            Spi = spi,
            Direction = EspDirection.Outbound,
            Cipher = EspCipher.AesGcm256,
            KeyMaterial = keymat,
            Mode = EspMode.Tunnel,
            UdpEncapsulation = new UdpEncapsulationPorts(),
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
