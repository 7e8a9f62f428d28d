using System.Net;
using System.Runtime.Versioning;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;
using IpsecFw.Esp.Sa;
using IpsecFw.Esp.Transport;
using IpsecFw.Ike.Config;
using IpsecFw.Ike.Engine;
using IpsecFw.Ike.Sa;
using IpsecFw.InteropTests.Ike;
using IpsecFw.InteropTests.StrongSwan;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// Our IKE engine as a hostile or broken initiator inside a namespace that already runs a daemon: UDP/500 and 4500 on
/// an extra address, the ESP socket read only so that IKE behind the non-ESP marker reaches the engine, and no TUN
/// device (unlike <see cref="OurIkeEndpoint"/>, whose device and routes would collide with the daemon's). Every
/// datagram the engine sends goes through the filter given to <see cref="Start"/> (null: all pass), to make a peer that stops half-way.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class IkeOnlyEndpoint : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly UdpBind _bind;
    private readonly UdpIkeTransport _transport;
    private readonly PacketPool _pool = new(64, 2048);
    private readonly EspSaTable _table = new();
    private readonly InboundLoop _inbound;
    private readonly Task _loop;

    private IkeOnlyEndpoint(Netns ns, IPAddress address, Func<ReadOnlyMemory<byte>, bool>? filter)
    {
        (_bind, _transport) = ns.Run(() =>
        {
            var bind = new UdpBind(new IPEndPoint(address, 4500));
            return (bind, new UdpIkeTransport(address, bind));
        });
        Engine = new IkeEngine(new FilteringTransport(_transport, filter), new ConfiguredSelectorPolicy(), new DiscardingSink(), null, loggers: Logs);
        _inbound = new InboundLoop(_bind, new DiscardingDevice(), _table, new InboundSelectorTable(), _transport, _pool, new DataPathCounters());
        _transport.Start(Engine);
        _inbound.Start();
        _loop = Task.Run(() => Engine.RunAsync(_stop.Token, TimeSpan.FromMilliseconds(100)));
    }

    public IkeEngine Engine { get; }

    public CapturingLoggerFactory Logs { get; } = new();

    public IPEndPoint Ike500 => _transport.LocalEndPoint500;

    /// <summary>An endpoint on <paramref name="address"/> (which must be on an interface of <paramref name="ns"/>).</summary>
    public static IkeOnlyEndpoint Start(Netns ns, IPAddress address, Func<ReadOnlyMemory<byte>, bool>? filter = null) => new(ns, address, filter);

    public Task<IkeSa> InitiateAsync(IkeSaConfig config, IPAddress peer) => Engine.InitiateAsync(config, Ike500, new IPEndPoint(peer, 500));

    /// <summary>Waits until every SA has closed, or the bound passes; returns the SAs still open.</summary>
    public async Task<IReadOnlyList<IkeSa>> WaitAllClosedAsync(TimeSpan bound)
    {
        DateTime until = DateTime.UtcNow + bound;
        IReadOnlyList<IkeSa> open = await Engine.SnapshotAsync();
        while (open.Count > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
            open = await Engine.SnapshotAsync();
        }

        return open;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _inbound.Stop(TimeSpan.FromSeconds(2));
        _transport.Dispose();
        _bind.Dispose();
        Engine.Dispose();
        _table.Dispose();
        _stop.Dispose();
    }

    private sealed class FilteringTransport(IIkeTransport inner, Func<ReadOnlyMemory<byte>, bool>? filter) : IIkeTransport
    {
        public void Send(ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote)
        {
            if (filter is null || filter(message.ToArray()))
            {
                inner.Send(message, local, remote);
            }
        }
    }

    private sealed class DiscardingSink : IChildSaSink
    {
        public void Up(IkeSa ikeSa, ChildSa child)
        {
        }

        public void Activate(IkeSa ikeSa, ChildSa child)
        {
        }

        public void Down(IkeSa ikeSa, ChildSa child)
        {
        }
    }

    /// <summary>Never read (there is no outbound loop); what the inbound loop would deliver is dropped.</summary>
    private sealed class DiscardingDevice : IPacketDevice
    {
        public int Read(Span<PacketBuffer> bufs, int offset) => 0;

        public int Write(ReadOnlySpan<PacketBuffer> bufs) => bufs.Length;

        public void Dispose()
        {
        }
    }
}
