using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Runtime.Versioning;
using IpsecFw.Esp.Buffers;
using IpsecFw.Tun.Testing;
using IpsecFw.Tun.Tests.Harness;

namespace IpsecFw.Tun.Tests;

/// <summary>Real TUN devices in network namespaces the tests create; run as root, skipped ("not run") otherwise.</summary>
[Trait("Category", "Tun")]
[SupportedOSPlatform("linux")]
public class LinuxTunNamespaceTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Ping_through_the_tun_proves_both_directions(bool v6)
    {
        using TunNamespace ns = TunNamespace.Create();
        IPAddress remote = v6 ? TunNamespace.Remote6 : TunNamespace.Remote4;
        int replied = 0;
        var responder = new Thread(() =>
        {
            PacketBuffer[] bufs = TunNamespace.Buffers(ns.Tun.BatchSize);
            int n;
            while ((n = ns.Tun.Read(bufs, PacketBuffer.Headroom)) > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    if (PacketBuilder.TryMakeEchoReply(bufs[i].Packet) && ns.Tun.Write(bufs.AsSpan(i, 1)) == 1)
                    {
                        Interlocked.Increment(ref replied);
                    }
                }
            }
        })
        { IsBackground = true, Name = "echo responder" };
        responder.Start();
        try
        {
            string ping = new[] { "/usr/bin/ping", "/bin/ping" }.FirstOrDefault(File.Exists) ?? "";
            if (ping.Length > 0)
            {
                // The brief's command: iputils ping inside the namespace, one echo, one second.
                (int exit, string output) = RunBounded("ip", ["netns", "exec", ns.Name, ping, v6 ? "-6" : "-4", "-c", "1", "-W", "1", remote.ToString()]);
                Assert.True(exit == 0, $"ping failed ({exit}): {output}");
            }
            else
            {
                // No iputils here: the runtime's Ping uses a raw ICMP socket when root, created on a thread in the namespace.
                IPStatus status = ns.InNamespace(() =>
                {
                    using var p = new Ping();
                    return p.Send(remote, 1000).Status;
                });
                Assert.Equal(IPStatus.Success, status);
            }

            Assert.True(Volatile.Read(ref replied) >= 1);
        }
        finally
        {
            ns.Tun.Dispose();
            Assert.True(responder.Join(s_bound), "responder still blocked after Dispose");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Udp_from_a_socket_in_the_namespace_is_read_from_the_tun_and_a_written_reply_reaches_it(bool v6)
    {
        using TunNamespace ns = TunNamespace.Create();
        IPAddress local = v6 ? TunNamespace.Local6 : TunNamespace.Local4;
        IPAddress remote = v6 ? TunNamespace.Remote6 : TunNamespace.Remote4;
        using Socket socket = ns.InNamespace(() =>
        {
            var s = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 };
            s.Bind(new IPEndPoint(local, 0));
            return s;
        });
        ushort localPort = (ushort)((IPEndPoint)socket.LocalEndPoint!).Port;
        byte[] payload = "datagram out through ipsecfw0"u8.ToArray();
        socket.SendTo(payload, new IPEndPoint(remote, 9999));

        byte[]? packet = ns.ReadMatching(p => PacketBuilder.TryGetUdp(p, out _, out ushort dp, out _) && dp == 9999, s_bound);
        Assert.NotNull(packet);
        Assert.True(PacketBuilder.ChecksumsValid(packet));
        Assert.True(PacketBuilder.TryGetUdp(packet, out ushort sp, out _, out Range body));
        Assert.Equal(localPort, sp);
        Assert.Equal(payload, packet[body]);
        int sourceOffset = v6 ? 8 : 12, addressLength = v6 ? 16 : 4;
        Assert.Equal(v6 ? 6 : 4, packet[0] >> 4);
        Assert.Equal(local.GetAddressBytes(), packet[sourceOffset..(sourceOffset + addressLength)]);
        Assert.Equal(remote.GetAddressBytes(), packet[(sourceOffset + addressLength)..(sourceOffset + (2 * addressLength))]);

        // The other direction: a datagram built here and written to the TUN reaches the socket (the kernel checks our checksums).
        byte[] reply = PacketBuilder.Udp(remote, local, 9999, localPort, "reply in"u8);
        var buf = new PacketBuffer(2048);
        reply.CopyTo(buf.Bytes, PacketBuffer.Headroom);
        buf.Length = reply.Length;
        Assert.Equal(1, ns.Tun.Write([buf]));
        var into = new byte[64];
        EndPoint from = new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        int got = socket.ReceiveFrom(into, ref from);
        Assert.Equal("reply in"u8.ToArray(), into[..got]);
        Assert.Equal(new IPEndPoint(remote, 9999), from);
    }

    [Fact]
    public void One_read_returns_several_queued_packets()
    {
        using TunNamespace ns = TunNamespace.Create();
        using Socket socket = ns.InNamespace(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(TunNamespace.Local4, 0));
            return s;
        });
        const int Count = 5;
        for (int i = 0; i < Count; i++)
        {
            socket.SendTo(new[] { (byte)i }, new IPEndPoint(TunNamespace.Remote4, 7000 + i));
        }

        Thread.Sleep(100); // let the sends reach the TUN queue (they normally do so before SendTo returns)
        PacketBuffer[] bufs = TunNamespace.Buffers(16);
        using var watchdog = new Timer(_ => ns.Tun.Dispose(), null, s_bound, Timeout.InfiniteTimeSpan);
        int n = ns.Tun.Read(bufs, PacketBuffer.Headroom);
        Assert.True(n >= Count, $"one read returned {n} packets");
        int[] ports = bufs.Take(n)
            .Select(b => PacketBuilder.TryGetUdp(b.Packet, out _, out ushort dp, out _) ? dp : -1)
            .Where(p => p >= 7000).ToArray();
        Assert.Equal(Enumerable.Range(7000, Count), ports);
        Assert.All(bufs.Take(n), b => Assert.Equal(PacketBuffer.Headroom, b.Offset));
    }

    [Fact]
    public void Dispose_unblocks_a_blocked_read_and_later_calls_return_zero()
    {
        using TunNamespace ns = TunNamespace.Create(up: false); // down: nothing ever arrives
        int result = -1;
        var reader = new Thread(() => result = ns.Tun.Read(TunNamespace.Buffers(4), PacketBuffer.Headroom)) { IsBackground = true };
        reader.Start();
        Thread.Sleep(200);
        Assert.True(reader.IsAlive, "Read returned without a packet");
        ns.Tun.Dispose();
        Assert.True(reader.Join(TimeSpan.FromSeconds(5)), "reader still blocked 5 s after Dispose");
        Assert.Equal(0, result);
        Assert.Equal(0, ns.Tun.Read(TunNamespace.Buffers(1), PacketBuffer.Headroom));
        Assert.Equal(0, ns.Tun.Write(TunNamespace.Buffers(1)));
    }

    [Fact]
    public void Device_lives_in_the_namespace_with_its_mtu_and_the_interface_goes_with_the_last_queue()
    {
        using TunNamespace ns = TunNamespace.Create(mtu: 1380);
        Assert.Equal(TunNamespace.DeviceName, ns.Tun.Name);
        string link = ns.Ip.Run("link", "show", "dev", TunNamespace.DeviceName);
        Assert.Contains("mtu 1380", link, StringComparison.Ordinal);
        Assert.DoesNotContain(TunNamespace.DeviceName + ":", new IpCommand().Run("link", "show"), StringComparison.Ordinal);
        ns.Tun.Dispose();
        Assert.True(WaitFor(() => !ns.Ip.Run("link", "show").Contains(TunNamespace.DeviceName, StringComparison.Ordinal)));
    }

    [Fact]
    public void A_second_single_queue_open_of_the_same_name_is_a_TunException_ebusy()
    {
        using TunNamespace ns = TunNamespace.Create();
        var e = Assert.Throws<TunException>(() => ns.InNamespace(() => LinuxTun.Create(TunNamespace.DeviceName)));
        Assert.Equal(16, e.ErrorCode);
        Assert.Contains("already exists", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_queue_device_delivers_every_flow_on_some_queue()
    {
        using TunNamespace ns = TunNamespace.Create(queues: 2);
        Assert.All(ns.Queues, q => Assert.Equal(TunNamespace.DeviceName, q.Name));
        Assert.Equal([0, 1], ns.Queues.Select(q => q.Queue));
        using Socket socket = ns.InNamespace(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        const int Flows = 16;
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        Thread[] readers = ns.Queues.Select(q => new Thread(() =>
        {
            PacketBuffer[] bufs = TunNamespace.Buffers(q.BatchSize);
            int n;
            while ((n = q.Read(bufs, PacketBuffer.Headroom)) > 0)
            {
                for (int i = 0; i < n; i++)
                {
                    if (PacketBuilder.TryGetUdp(bufs[i].Packet, out _, out ushort dp, out _) && dp >= 8000)
                    {
                        seen.TryAdd(dp, q.Queue);
                    }
                }
            }
        })
        { IsBackground = true }).ToArray();
        foreach (Thread t in readers)
        {
            t.Start();
        }

        for (int i = 0; i < Flows; i++)
        {
            socket.SendTo("m"u8, new IPEndPoint(TunNamespace.Remote4, 8000 + i));
        }

        bool all = WaitFor(() => seen.Count == Flows);
        foreach (LinuxTun q in ns.Queues)
        {
            q.Dispose();
        }

        Assert.All(readers, t => Assert.True(t.Join(s_bound)));
        Assert.True(all, $"saw {seen.Count} of {Flows} flows");
    }

    private static bool WaitFor(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_bound)
        {
            if (condition())
            {
                return true;
            }

            Thread.Sleep(20);
        }

        return false;
    }

    private static (int Exit, string Output) RunBounded(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(s_bound))
        {
            p.Kill(entireProcessTree: true); // our own child, by its PID
            p.WaitForExit(s_bound);
            return (-1, "timed out");
        }

        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
