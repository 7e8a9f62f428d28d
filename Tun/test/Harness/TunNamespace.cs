using System.Diagnostics;
using System.Net;
using System.Runtime.Versioning;
using IpsecFw.Esp.Buffers;

namespace IpsecFw.Tun.Tests.Harness;

/// <summary>
/// A network namespace made for one test, with a TUN device created inside it (on a thread that entered it with
/// setns), addressed 198.18.5.1/24 and 2001:2::1/64. The test plays the hosts "behind" the TUN (198.18.5.2, 2001:2::2).
/// Dispose closes the device and deletes the namespace.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class TunNamespace : IDisposable
{
    public const string DeviceName = "ipsecfw0";
    public static readonly IPAddress Local4 = IPAddress.Parse("198.18.5.1");
    public static readonly IPAddress Remote4 = IPAddress.Parse("198.18.5.2");
    public static readonly IPAddress Local6 = IPAddress.Parse("2001:2::1");
    public static readonly IPAddress Remote6 = IPAddress.Parse("2001:2::2");

    private static int s_counter;
    private readonly IpCommand _root = new();

    private TunNamespace(string name)
    {
        Name = name;
        Ip = new IpCommand(name);
    }

    public string Name { get; }

    public IpCommand Ip { get; }

    public LinuxTun[] Queues { get; private set; } = [];

    public LinuxTun Tun => Queues[0];

    /// <summary>Skips the test (xunit "not run") unless this is root on Linux with /dev/net/tun and iproute2.</summary>
    public static void SkipUnlessPossible()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("not run: Linux only");
        }

        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Skip("not run: needs root (network namespaces and TUN devices)");
        }

        if (!File.Exists(LinuxTun.DevicePath))
        {
            Assert.Skip($"not run: {LinuxTun.DevicePath} is missing");
        }

        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip"))
        {
            Assert.Skip("not run: iproute2's ip is not installed");
        }
    }

    public static TunNamespace Create(int queues = 1, bool up = true, int mtu = LinuxTun.DefaultMtu, bool offload = false)
    {
        SkipUnlessPossible();
        var ns = new TunNamespace($"ipsecfw-tun-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}");
        ns._root.AddNamespace(ns.Name);
        try
        {
            ns.Queues = NetworkNamespace.Run(ns.Name, () => queues == 1
                ? [LinuxTun.Create(DeviceName, mtu, offload: offload)]
                : LinuxTun.CreateMultiQueue(DeviceName, queues, mtu, offload: offload));
            ns.Ip.AddAddress(DeviceName, Local4, 24);
            ns.Ip.AddAddress(DeviceName, Local6, 64);
            if (up)
            {
                ns.Ip.SetUp("lo");
                ns.Ip.SetUp(DeviceName);
            }

            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    public static PacketBuffer[] Buffers(int n)
    {
        var bufs = new PacketBuffer[n];
        for (int i = 0; i < n; i++)
        {
            bufs[i] = new PacketBuffer(2048);
        }

        return bufs;
    }

    public T InNamespace<T>(Func<T> action) => NetworkNamespace.Run(Name, action);

    /// <summary>
    /// Reads from queue 0 until a packet matches, returning a copy; null when <paramref name="timeout"/> passes first (a
    /// watchdog disposes the device, which also proves Dispose wakes the reader). Other packets (IPv6 router
    /// solicitations, MLD reports) are skipped.
    /// </summary>
    public byte[]? ReadMatching(Func<byte[], bool> match, TimeSpan timeout)
    {
        PacketBuffer[] bufs = Buffers(Tun.BatchSize);
        var clock = Stopwatch.StartNew();
        using var watchdog = new Timer(_ => Tun.Dispose(), null, timeout, Timeout.InfiniteTimeSpan);
        while (clock.Elapsed < timeout)
        {
            int n = Tun.Read(bufs, PacketBuffer.Headroom);
            if (n == 0)
            {
                return null;
            }

            for (int i = 0; i < n; i++)
            {
                byte[] p = bufs[i].Packet.ToArray();
                if (match(p))
                {
                    return p;
                }
            }
        }

        return null;
    }

    public void Dispose()
    {
        foreach (LinuxTun q in Queues)
        {
            q.Dispose();
        }

        try
        {
            _root.DeleteNamespace(Name);
        }
        catch (TunException)
        {
            // Already gone (a failed creation); nothing else to clean.
        }
    }
}
