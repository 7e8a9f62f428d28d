using IpsecFw.Host.Daemon;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>The kernel's UDP drop counters as <c>ipsecfw status</c> reads them: rows of /proc/net/udp by inode, /proc/net/snmp(6).</summary>
public sealed class KernelUdpCountersTests
{
    // /proc/net/udp of a namespace running the daemon (UDP 500 and 4500 on 198.18.0.2), during a flood.
    private const string Udp = """
           sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
          101: 020012C6:01F4 00000000:0000 07 00000000:0003A980 00:00000000 00000000     0        0 48213 2 ffff8f2a43b1c000 47752
          112: 020012C6:1194 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 48210 2 ffff8f2a43b1d000 0
        """;

    private const string Snmp = """
        Ip: Forwarding DefaultTTL InReceives
        Ip: 2 64 120000
        Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors
        Udp: 72400 3 47752 22000 47752 0 0 0 0
        """;

    private const string Snmp6 = """
        Udp6InDatagrams                 	22
        Udp6InErrors                    	1
        Udp6RcvbufErrors                	1
        """;

    [Fact]
    public void A_sockets_drops_and_receive_queue_are_found_by_its_inode()
    {
        Assert.Equal(new KernelUdpCounters.SocketRow(0x3A980, 47752), KernelUdpCounters.FindSocket(Udp, 48213));
        Assert.Equal(new KernelUdpCounters.SocketRow(0, 0), KernelUdpCounters.FindSocket(Udp, 48210));
        Assert.Null(KernelUdpCounters.FindSocket(Udp, 1));
        Assert.Null(KernelUdpCounters.FindSocket("garbage\n1 2 3", 48213));
    }

    [Fact]
    public void The_namespaces_udp_errors_come_from_snmp_and_snmp6()
    {
        Dictionary<string, long> c = KernelUdpCounters.ParseSnmp(Snmp, Snmp6);
        Assert.Equal(47752, c["Udp.RcvbufErrors"]);
        Assert.Equal(47752, c["Udp.InErrors"]);
        Assert.Equal(120000, c["Ip.InReceives"]);
        Assert.Equal(1, c["Udp6RcvbufErrors"]);
        Assert.Empty(KernelUdpCounters.ParseSnmp(null, null));
    }

    [Fact]
    public void The_inode_of_one_of_our_own_sockets_is_read_from_proc_self_fd()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("not run: /proc is Linux's");
        }

        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        long? inode = KernelUdpCounters.SocketInode(socket.Handle);
        Assert.NotNull(inode);
        Assert.NotNull(KernelUdpCounters.FindSocket(KernelUdpCounters.ReadProc("/proc/net/udp")!, inode.Value));
        Assert.Null(KernelUdpCounters.SocketInode(-1));
    }
}
