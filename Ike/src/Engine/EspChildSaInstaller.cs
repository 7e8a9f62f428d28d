using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using IpsecFw.Esp;
using IpsecFw.Esp.DataPath;
using IpsecFw.Esp.Sa;
using IpsecFw.Ike.Sa;

namespace IpsecFw.Ike.Engine;

/// <summary>
/// Installs negotiated CHILD_SAs in the ESP engine: inbound SA by SPI with its inner selectors (RFC 4301 5.2), outbound
/// SA routed by the peer's selectors (except a dedicated pair, <see cref="ChildSa.Dedicated"/>, which the host steers
/// flows onto itself), both tunnel mode and, with NAT traversal, UDP-encapsulated. Removal takes them out
/// of the tables first and disposes (zeroes) them a moment later, once no packet thread can still hold them.
/// </summary>
public sealed class EspChildSaInstaller(EspSaTable table, InboundSelectorTable selectors, PrefixSaSelector outbound, TimeProvider? time = null) : IChildSaSink
{
    private static readonly TimeSpan s_disposeDelay = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<uint, (EspSa In, EspSa Out)> _installed = new();

    /// <summary>Number of installed pairs.</summary>
    public int Count => _installed.Count;

    /// <inheritdoc/>
    public void Up(IkeSa ikeSa, ChildSa child)
    {
        ArgumentNullException.ThrowIfNull(child);
        EspSa inSa = Create(child, EspDirection.Inbound);
        EspSa outSa = Create(child, EspDirection.Outbound);
        if (!table.TryAdd(inSa) || !table.TryAdd(outSa))
        {
            table.TryRemove(inSa.Spi, EspDirection.Inbound, out _);
            inSa.Dispose();
            outSa.Dispose();
            return;
        }

        var remote = child.RemoteSelectors.SelectMany(TrafficSelectorPrefixes.ToNetworks).ToList();
        var local = child.LocalSelectors.SelectMany(TrafficSelectorPrefixes.ToNetworks).ToList();
        selectors.Set(child.InboundSpi, new InnerSelectors(remote, local));
        _installed[child.InboundSpi] = (inSa, outSa);
        if (child.OutboundActive && !child.Dedicated)
        {
            if (child.Replaces is { } old && _installed.TryGetValue(old.InboundSpi, out var previous))
            {
                // Rekey, make before break: the new pair takes the routes of the old one, which stays for inbound.
                outbound.Remove(previous.Out);
            }

            Route(child, outSa);
        }
    }

    /// <inheritdoc/>
    public void Activate(IkeSa ikeSa, ChildSa child)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (!child.Dedicated && _installed.TryGetValue(child.InboundSpi, out var pair))
        {
            Route(child, pair.Out);
        }
    }

    private void Route(ChildSa child, EspSa outSa)
    {
        IPEndPoint peer = child.RemoteEndPoint ?? throw new InvalidOperationException("CHILD_SA without a peer address");
        foreach (IPNetwork network in child.RemoteSelectors.SelectMany(TrafficSelectorPrefixes.ToNetworks))
        {
            outbound.Add(network, outSa, peer);
        }
    }

    /// <inheritdoc/>
    public void Down(IkeSa ikeSa, ChildSa child)
    {
        ArgumentNullException.ThrowIfNull(child);
        if (!_installed.TryRemove(child.InboundSpi, out var pair))
        {
            return;
        }

        outbound.Remove(pair.Out);
        selectors.Remove(child.InboundSpi);
        table.TryRemove(pair.In.Spi, EspDirection.Inbound, out _);
        table.TryRemove(pair.Out.Spi, EspDirection.Outbound, out _);
        _ = Task.Delay(s_disposeDelay, time ?? TimeProvider.System).ContinueWith(_ =>
        {
            pair.In.Dispose();
            pair.Out.Dispose();
        }, TaskScheduler.Default);
    }

    private EspSa Create(ChildSa child, EspDirection direction)
    {
        byte[] key = (direction == EspDirection.Inbound ? child.InboundKey : child.OutboundKey).ToArray();
        try
        {
            return new EspSa(new EspSaConfig
            {
                Spi = direction == EspDirection.Inbound ? child.InboundSpi : child.OutboundSpi,
                Direction = direction,
                Cipher = child.Algorithms.Cipher,
                KeyMaterial = key,
                ExtendedSequenceNumbers = child.Algorithms.ExtendedSequenceNumbers,
                Mode = EspMode.Tunnel,
                LocalAddress = child.LocalEndPoint?.Address,
                RemoteAddress = child.RemoteEndPoint?.Address,
                UdpEncapsulation = child.UdpEncapsulated
                    ? new UdpEncapsulationPorts((ushort)(child.LocalEndPoint?.Port ?? 4500), (ushort)(child.RemoteEndPoint?.Port ?? 4500))
                    : null,
            }, time);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }
}
