using System.Net;
using System.Runtime.Versioning;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;
using IpsecFw.Esp.Sa;
using IpsecFw.Esp.Transport;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Sa;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.Tun;

namespace IpsecFw.InteropTests.Ike;

/// <summary>
/// Our whole endpoint inside one namespace of a test topology: IKE on UDP/500 and 4500, the ESP data path on 4500
/// (sharing the socket with IKE), a TUN device <c>ipsecfw0</c> that the route to the peer's inner subnet points at, and
/// the CHILD_SAs IKE negotiates installed in the ESP engine. Everything is created on a thread inside the namespace;
/// <see cref="DisposeAsync"/> deletes the SAs (telling the peer), stops the loops and closes the device.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class OurIkeEndpoint : IAsyncDisposable
{
    public const string DeviceName = "ipsecfw0";
    private readonly CancellationTokenSource _stop = new();
    private readonly LinuxTun _tun;
    private readonly UdpBind _bind;
    private readonly UdpIkeTransport _transport;
    private readonly PacketPool _pool = new(256, 2048);
    private readonly OutboundLoop _outbound;
    private readonly InboundLoop _inbound;
    private readonly Task _loop;

    private OurIkeEndpoint(NetnsEnd end, IkeSaConfig? responder, IIkePolicy? policy)
    {
        End = end;
        (_tun, _bind, _transport) = end.Ns.Run(() =>
        {
            LinuxTun tun = LinuxTun.Create(DeviceName);
            var bind = new UdpBind(new IPEndPoint(end.Underlay, 4500));
            return (tun, bind, new UdpIkeTransport(end.Underlay, bind));
        });
        Installer = new EspChildSaInstaller(Table, Selectors, Routes);
        Engine = new IkeEngine(_transport, policy ?? new ConfiguredSelectorPolicy(), Installer, responder, loggers: Logs);
        var device = new TunDevice(_tun);
        _outbound = new OutboundLoop(device, _bind, Routes, _pool, Counters);
        _inbound = new InboundLoop(_bind, device, Table, Selectors, _transport, _pool, Counters);
        _transport.Start(Engine);
        _outbound.Start();
        _inbound.Start();
        _loop = Task.Run(() => Engine.RunAsync(_stop.Token, TimeSpan.FromMilliseconds(100)));
    }

    public NetnsEnd End { get; }

    public IkeEngine Engine { get; }

    public CapturingLoggerFactory Logs { get; } = new();

    public EspSaTable Table { get; } = new();

    public InboundSelectorTable Selectors { get; } = new();

    public PrefixSaSelector Routes { get; } = new();

    public DataPathCounters Counters { get; } = new();

    public EspChildSaInstaller Installer { get; }

    public IPEndPoint Ike500 => _transport.LocalEndPoint500;

    /// <summary>Starts the endpoint in <paramref name="end"/>'s namespace, routing <paramref name="peerSubnet"/> into the TUN.</summary>
    public static async Task<OurIkeEndpoint> StartAsync(NetnsEnd end, string peerSubnet, IkeSaConfig? responder = null, IIkePolicy? policy = null)
    {
        var ep = new OurIkeEndpoint(end, responder, policy);
        await end.Ns.MustIpAsync("link", "set", "dev", DeviceName, "up");
        await end.Ns.MustIpAsync("route", "add", peerSubnet, "dev", DeviceName, "src", end.Inner.ToString());
        return ep;
    }

    public Task<IkeSa> InitiateAsync(IkeSaConfig config, IPAddress peer) =>
        Engine.InitiateAsync(config, Ike500, new IPEndPoint(peer, 500));

    /// <summary>Waits until an IKE SA is established with <paramref name="children"/> CHILD_SAs, or the bound passes.</summary>
    public async Task<IkeSa?> WaitEstablishedAsync(TimeSpan bound, int children = 1)
    {
        DateTime until = DateTime.UtcNow + bound;
        while (DateTime.UtcNow < until)
        {
            IkeSa? sa = (await Engine.SnapshotAsync()).FirstOrDefault(s => s.State == IkeSaState.Established && s.Children.Count >= children);
            if (sa is not null)
            {
                return sa;
            }

            await Task.Delay(100);
        }

        return null;
    }

    /// <summary>Waits until no IKE SA is left, or the bound passes.</summary>
    public async Task<bool> WaitNoSasAsync(TimeSpan bound)
    {
        DateTime until = DateTime.UtcNow + bound;
        while (DateTime.UtcNow < until)
        {
            if ((await Engine.SnapshotAsync()).Count == 0)
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }

    public string Report() =>
        $"--- our log ---\n{Logs.Text}\n--- data path: out {Counters.OutboundPackets} in {Counters.InboundPackets} no_sa {Counters.NoSa}, " +
        $"ESP SAs in {Table.InboundCount} out {Table.OutboundCount}, IKE {Engine.Counters.Received} received ---";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Engine.ShutdownAsync(TimeSpan.FromSeconds(2)).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // The loop is stuck; the rest of the teardown still runs.
        }

        await _stop.CancelAsync();
        await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _outbound.Stop(TimeSpan.FromSeconds(2));
        _inbound.Stop(TimeSpan.FromSeconds(2));
        _transport.Dispose();
        _bind.Dispose();
        _tun.Dispose();
        Engine.Dispose();
        Table.Dispose();
        _stop.Dispose();
    }

    private sealed class TunDevice(ITunDevice tun) : IPacketDevice
    {
        public int Read(Span<PacketBuffer> bufs, int offset) => tun.Read(bufs, offset);

        public int Write(ReadOnlySpan<PacketBuffer> bufs) => tun.Write(bufs);

        public void Dispose() => tun.Dispose();
    }
}
