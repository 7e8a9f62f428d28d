using System.Net;
using System.Net.Sockets;
using IpsecFw.Host.Platform;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Tests.Platform;

/// <summary>
/// The Linux socket-owner resolver against real sockets of this test process: the kernel's <c>sock_diag</c> answer for
/// an established TCP connection (both ends), for a SYN that would reach a listening socket, for a bound UDP socket and
/// for a port nobody holds, and the program found through <c>/proc</c> (this process's own executable).
/// </summary>
public sealed class SocketOwnerResolverTests
{
    private static readonly UInt128 s_loopback = IpAddressCodec.FromIPAddress(IPAddress.Loopback);
    private static readonly UInt128 s_loopback6 = IpAddressCodec.FromIPAddress(IPAddress.IPv6Loopback);

    [Fact]
    public async Task TCP_sockets_are_found_established_and_listening_with_this_process_as_their_program()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("not run: Linux only");
        }

        string self = new FileInfo("/proc/self/exe").LinkTarget!;
        using var resolver = new LinuxSocketOwnerResolver();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        ushort listening = (ushort)((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, listening), TestContext.Current.CancellationToken);
        using Socket accepted = await listener.AcceptSocketAsync(TestContext.Current.CancellationToken);
        ushort clientPort = (ushort)((IPEndPoint)client.LocalEndPoint!).Port;

        // The client's socket, as an outbound packet of it would be looked up: local = its address and port.
        SocketOwner outbound = resolver.Resolve(IpProtocol.Tcp, s_loopback, clientPort, s_loopback, listening);
        Assert.Equal(SocketOwnerStatus.Found, outbound.Status);
        Assert.Equal(self, outbound.Program);
        Assert.Equal(Environment.ProcessId, outbound.Pid);
        Assert.NotEqual(0u, outbound.Inode);

        // The accepted socket, from the server's side.
        SocketOwner server = resolver.Resolve(IpProtocol.Tcp, s_loopback, listening, s_loopback, clientPort);
        Assert.Equal(SocketOwnerStatus.Found, server.Status);
        Assert.NotEqual(outbound.Inode, server.Inode);

        // A SYN from a port that has no connection yet: the listening socket answers.
        SocketOwner syn = resolver.Resolve(IpProtocol.Tcp, s_loopback, listening, s_loopback, 1);
        Assert.Equal(SocketOwnerStatus.Found, syn.Status);
        Assert.Equal(self, syn.Program);
        Assert.NotEqual(server.Inode, syn.Inode);

        // Nobody listens on the client's port + a closed port: no socket.
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        ushort unused = (ushort)((IPEndPoint)probe.LocalEndPoint!).Port;
        probe.Close();
        Assert.Equal(SocketOwnerStatus.NoSocket, resolver.Resolve(IpProtocol.Tcp, s_loopback, unused, s_loopback, 2).Status);
    }

    [Fact]
    public void UDP_sockets_are_found_bound_and_IPv6_too()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Skip("not run: Linux only");
        }

        string self = new FileInfo("/proc/self/exe").LinkTarget!;
        using var resolver = new LinuxSocketOwnerResolver();
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        ushort port = (ushort)((IPEndPoint)udp.LocalEndPoint!).Port;
        SocketOwner owner = resolver.Resolve(IpProtocol.Udp, s_loopback, port, s_loopback, 5353);
        Assert.Equal(SocketOwnerStatus.Found, owner.Status);
        Assert.Equal(self, owner.Program);

        using var listener6 = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
        listener6.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        listener6.Listen();
        ushort port6 = (ushort)((IPEndPoint)listener6.LocalEndPoint!).Port;
        SocketOwner syn6 = resolver.Resolve(IpProtocol.Tcp, s_loopback6, port6, s_loopback6, 3);
        Assert.Equal(SocketOwnerStatus.Found, syn6.Status);
        Assert.Equal(self, syn6.Program);
    }

    [Fact]
    public void Protocols_without_sockets_are_not_supported_and_nothing_throws()
    {
        using var resolver = new LinuxSocketOwnerResolver();
        Assert.Equal(SocketOwnerStatus.NotSupported, resolver.Resolve(IpProtocol.Icmp, s_loopback, 0, s_loopback, 0).Status);
        resolver.Dispose();
        Assert.NotEqual(SocketOwnerStatus.Found, resolver.Resolve(IpProtocol.Tcp, s_loopback, 1, s_loopback, 2).Status);
    }

    [Fact]
    public void The_request_carries_the_exact_socket_id_and_answers_are_read_by_sequence()
    {
        byte[] request = new byte[SockDiag.RequestLength];
        UInt128 local = IpAddressCodec.FromIPAddress(IPAddress.Parse("198.18.0.1"));
        UInt128 remote = IpAddressCodec.FromIPAddress(IPAddress.Parse("198.18.0.2"));
        SockDiag.WriteRequest(request, 7, IpProtocol.Tcp, local, 40000, remote, 21);
        Assert.Equal(72, request.Length);
        Assert.Equal(72u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(request)); // host order: x86-64 and arm64 are little-endian
        Assert.Equal((byte)2, request[16]); // AF_INET
        Assert.Equal((byte)6, request[17]); // TCP
        Assert.Equal([0x9C, 0x40, 0x00, 0x15], request[24..28]); // sport 40000, dport 21, network order
        Assert.Equal([198, 18, 0, 1], request[28..32]);
        Assert.Equal([198, 18, 0, 2], request[44..48]);
        Assert.Equal([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], request[64..72]); // INET_DIAG_NOCOOKIE

        // UDP: the kernel reads idiag_src as the remote side.
        SockDiag.WriteRequest(request, 8, IpProtocol.Udp, local, 40000, remote, 53);
        Assert.Equal([0x00, 0x35, 0x9C, 0x40], request[24..28]);
        Assert.Equal([198, 18, 0, 2], request[28..32]);

        // An NLMSG_ERROR with -ENOENT for sequence 8; the same for another sequence is not ours; a truncated one is neither.
        byte[] error = new byte[36];
        BitConverter.TryWriteBytes(error.AsSpan(0), 36u);
        BitConverter.TryWriteBytes(error.AsSpan(4), (ushort)2);
        BitConverter.TryWriteBytes(error.AsSpan(8), 8u);
        BitConverter.TryWriteBytes(error.AsSpan(16), -2);
        Assert.Equal(SockDiag.Answer.Error, SockDiag.ReadAnswer(error, 8, out _, out _, out int errno));
        Assert.Equal(2, errno);
        Assert.Equal(SockDiag.Answer.Other, SockDiag.ReadAnswer(error, 9, out _, out _, out _));
        Assert.Equal(SockDiag.Answer.Other, SockDiag.ReadAnswer(error.AsSpan(0, 10), 8, out _, out _, out _));

        // An inet_diag_msg: uid at 64, inode at 68 of the body.
        byte[] answer = new byte[16 + 72];
        BitConverter.TryWriteBytes(answer.AsSpan(0), (uint)answer.Length);
        BitConverter.TryWriteBytes(answer.AsSpan(4), (ushort)20);
        BitConverter.TryWriteBytes(answer.AsSpan(8), 8u);
        BitConverter.TryWriteBytes(answer.AsSpan(16 + 64), 1000u);
        BitConverter.TryWriteBytes(answer.AsSpan(16 + 68), 424242u);
        Assert.Equal(SockDiag.Answer.Socket, SockDiag.ReadAnswer(answer, 8, out uint inode, out int uid, out _));
        Assert.Equal((424242u, 1000), (inode, uid));
        BitConverter.TryWriteBytes(answer.AsSpan(0), (uint)answer.Length + 1); // longer than the datagram
        Assert.Equal(SockDiag.Answer.Other, SockDiag.ReadAnswer(answer, 8, out _, out _, out _));
    }
}
