using System.Net;
using IpsecFw.Esp;
using IpsecFw.Esp.Buffers;
using IpsecFw.Esp.DataPath;
using IpsecFw.Esp.Sa;
using IpsecFw.Host.Daemon;
using IpsecFw.Host.Platform;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;
using IpsecFw.Tun.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>
/// Per-process rules and keyed CHILD_SAs on the data path (the paper's FTP example), with a resolver that answers by
/// local port: the FTP client at 198.18.1.1 (program /opt/ftp) and the FTP server at 198.18.2.2 (program /opt/ftpd),
/// each seen from its own host.
/// </summary>
public sealed class SpdPacketFilterProcessTests
{
    private const string Ftp = "/opt/ftp", Ftpd = "/opt/ftpd", Other = "/opt/other";
    private const uint MainIn = 0x10, MainOut = 0x11, KeyedIn = 0x20, KeyedOut = 0x21;

    /// <summary>Rule 0: the client program's control connection, keyed; rule 1: the server accepts it; rule 2: the server's data connections.</summary>
    private const string Policy = $$"""
        clients = x509{name="client.example.com"};
        servers = x509{name="ftp.example.com"};
        allow ftp(clients, servers) process "{{Ftp}}" keyed;
        allow ftp(clients, servers) process "{{Ftpd}}";
        allow *(servers, clients) process "{{Ftpd}}";
        """;

    private static readonly IPAddress s_client = IPAddress.Parse("198.18.1.1");
    private static readonly IPAddress s_server = IPAddress.Parse("198.18.2.2");
    private static readonly IPEndPoint s_peerUdp = new(IPAddress.Parse("198.18.0.2"), 4500);
    private readonly PortResolver _programs = new();
    private readonly List<(string Peer, string Program)> _requests = [];
    private readonly long _now = 1_000;

    [Fact]
    public void A_process_rule_matches_only_its_program_and_the_refusal_is_counted_as_process_denied()
    {
        SpdPacketFilter client = Client();
        _programs.Set(40000, Ftpd);
        _programs.Set(40001, Other);
        Assert.Equal(PacketVerdict.ProcessDenied, Out(client, PacketBuilder.Tcp(s_client, s_server, 40001, 21, PacketBuilder.TcpSyn)));
        // A program the rule does not name at all: refused the same way, and the look-ups are counted.
        Assert.Equal(PacketVerdict.ProcessDenied, Out(client, PacketBuilder.Tcp(s_client, s_server, 40002, 21, PacketBuilder.TcpSyn)));
        Assert.Equal(1, client.ProgramLookups(SocketOwnerStatus.Found));
        Assert.Equal(1, client.ProgramLookups(SocketOwnerStatus.NoSocket));
        Assert.Equal(2, client.RuleHits()[^1].Denied);
        Assert.Empty(_requests);

        // A service no process rule covers is a plain policy denial.
        Assert.Equal(PacketVerdict.PolicyDenied, Out(client, PacketBuilder.Tcp(s_client, s_server, 40001, 22, PacketBuilder.TcpSyn)));
    }

    [Fact]
    public void A_keyed_flow_waits_for_its_own_CHILD_SA_then_goes_on_it_with_every_later_packet()
    {
        SpdPacketFilter client = Client();
        _programs.Set(40000, Ftp);
        byte[] syn = PacketBuilder.Tcp(s_client, s_server, 40000, 21, PacketBuilder.TcpSyn);
        Assert.Equal(PacketVerdict.KeyedSaPending, Out(client, syn));
        Assert.Equal([("server", Ftp)], _requests);
        Assert.Equal(PacketVerdict.KeyedSaPending, Out(client, syn)); // the retransmitted SYN: still pending, not asked again
        Assert.Single(_requests);
        Assert.Equal(0, client.Connections.Count);

        using EspSa main = Sa(MainOut), keyed = Sa(KeyedOut);
        client.AddSa(KeyedIn, KeyedOut, "server", Identity("ftp.example.com"));
        client.AddDedicatedSa(KeyedIn, KeyedOut, 0, "server", Ftp, keyed, s_peerUdp, active: true);
        Assert.Equal(1, client.DedicatedSaCount);

        (PacketVerdict verdict, EspSa chosen) = Out(client, main, syn);
        Assert.Equal((PacketVerdict.Pass, keyed), (verdict, chosen));
        Assert.Equal(3, client.RuleHits()[0].Allowed); // three decisions: the two pending SYNs and this one
        Assert.Equal(PacketVerdict.Pass, In(client, KeyedIn, PacketBuilder.Tcp(s_server, s_client, 21, 40000, PacketBuilder.TcpSyn | PacketBuilder.TcpAck)));
        (verdict, chosen) = Out(client, main, PacketBuilder.Tcp(s_client, s_server, 40000, 21, PacketBuilder.TcpAck, [1, 2, 3]));
        Assert.Equal((PacketVerdict.Pass, keyed), (verdict, chosen));

        // When the dedicated SA goes, the flow's packets fall back to the SA the prefix table chose.
        client.RemoveDedicatedSa(KeyedIn);
        (verdict, chosen) = Out(client, main, PacketBuilder.Tcp(s_client, s_server, 40000, 21, PacketBuilder.TcpAck, [4]));
        Assert.Equal((PacketVerdict.Pass, main), (verdict, chosen));
        Assert.Equal(0, client.DedicatedSaCount);
    }

    [Fact]
    public void On_a_keyed_SA_a_new_inbound_connection_is_accepted_only_by_a_socket_of_its_program()
    {
        SpdPacketFilter client = Client();
        using EspSa keyed = Sa(KeyedOut);
        client.AddSa(KeyedIn, KeyedOut, "server", Identity("ftp.example.com"));
        client.AddDedicatedSa(KeyedIn, KeyedOut, 0, "server", Ftp, keyed, s_peerUdp, active: true);
        _programs.Set(50000, Ftp);
        _programs.Set(50001, Other);

        // The data channel: server port 20 to the port the FTP client listens on.
        Assert.Equal(PacketVerdict.Pass, In(client, KeyedIn, PacketBuilder.Tcp(s_server, s_client, 20, 50000, PacketBuilder.TcpSyn)));
        Assert.Equal(1, client.RuleHits()[0].Allowed);
        // Another program listening: refused, whatever else the policy says.
        Assert.Equal(PacketVerdict.ProcessDenied, In(client, KeyedIn, PacketBuilder.Tcp(s_server, s_client, 20, 50001, PacketBuilder.TcpSyn)));
        // Such a connection on the ordinary SA: rule 2 names ftpd, and at the client the local program is the client's.
        Assert.Equal(PacketVerdict.ProcessDenied, In(client, MainIn, PacketBuilder.Tcp(s_server, s_client, 2020, 50000, PacketBuilder.TcpSyn)));
    }

    [Fact]
    public void At_the_server_a_programs_connections_to_a_client_follow_the_dedicated_SA_its_accepted_connection_came_on()
    {
        SpdPacketFilter server = Filter("ftp.example.com", s_server);
        server.AddSa(MainIn, MainOut, "client", Identity("client.example.com"));
        server.AddSa(KeyedIn, KeyedOut, "client", Identity("client.example.com"));
        using EspSa main = Sa(MainOut), keyed = Sa(KeyedOut);
        server.AddDedicatedSa(KeyedIn, KeyedOut, 0, "client", program: null, keyed, s_peerUdp, active: true);
        _programs.Set(21, Ftpd);
        _programs.Set(20, Ftpd);
        _programs.Set(2000, Other);

        // The control connection arrives on the dedicated SA (rule 1); its replies go back on it.
        Assert.Equal(PacketVerdict.Pass, In(server, KeyedIn, PacketBuilder.Tcp(s_client, s_server, 40000, 21, PacketBuilder.TcpSyn)));
        (PacketVerdict verdict, EspSa chosen) = Out(server, main, PacketBuilder.Tcp(s_server, s_client, 21, 40000, PacketBuilder.TcpSyn | PacketBuilder.TcpAck));
        Assert.Equal((PacketVerdict.Pass, keyed), (verdict, chosen));

        // The active-mode data connection of the same program (rule 2) is steered onto it too.
        (verdict, chosen) = Out(server, main, PacketBuilder.Tcp(s_server, s_client, 20, 50000, PacketBuilder.TcpSyn));
        Assert.Equal((PacketVerdict.Pass, keyed), (verdict, chosen));

        // Another program is not: rule 2 is for ftpd only.
        (verdict, _) = Out(server, main, PacketBuilder.Tcp(s_server, s_client, 2000, 50001, PacketBuilder.TcpSyn));
        Assert.Equal(PacketVerdict.ProcessDenied, verdict);
    }

    [Fact]
    public void Without_process_rules_no_program_is_looked_up()
    {
        var filter = new SpdPacketFilter(NullLogger.Instance, () => _now, 1024) { Resolver = _programs };
        const string Plain = "hosts = x509{name=\"*.example.com\"};\nallow *(hosts, hosts);\n";
        filter.Apply(PolicyCompiler.Compile(Plain, "p.pol", 1).Snapshot!.Specialize(Identity("client.example.com"), [s_client]), Plain);
        filter.AddSa(MainIn, MainOut, "server", Identity("ftp.example.com"));
        Assert.Equal(PacketVerdict.Pass, Out(filter, PacketBuilder.Tcp(s_client, s_server, 40000, 21, PacketBuilder.TcpSyn)));
        Assert.Equal(0, _programs.Calls);
    }

    private SpdPacketFilter Client()
    {
        SpdPacketFilter filter = Filter("client.example.com", s_client);
        filter.AddSa(MainIn, MainOut, "server", Identity("ftp.example.com"));
        return filter;
    }

    private SpdPacketFilter Filter(string name, IPAddress address)
    {
        var filter = new SpdPacketFilter(NullLogger.Instance, () => _now, 1024) { Resolver = _programs };
        filter.DedicatedSaRequester = (peer, program) => _requests.Add((peer, program));
        filter.Apply(PolicyCompiler.Compile(Policy, "ftp.pol", 1).Snapshot!.Specialize(Identity(name), [address]), Policy);
        return filter;
    }

    private static PacketVerdict Out(SpdPacketFilter filter, byte[] packet) => filter.Outbound(MainOut, Buffer(packet));

    private static (PacketVerdict, EspSa) Out(SpdPacketFilter filter, EspSa sa, byte[] packet)
    {
        SocketAddress remote = s_peerUdp.Serialize();
        PacketVerdict verdict = filter.Outbound(ref sa, ref remote, Buffer(packet));
        return (verdict, sa);
    }

    private static PacketVerdict In(SpdPacketFilter filter, uint spi, byte[] packet) => filter.Inbound(spi, Buffer(packet));

    private static EspSa Sa(uint spi) =>
        new(new EspSaConfig { Spi = spi, Direction = EspDirection.Outbound, Cipher = EspCipher.AesGcm128, KeyMaterial = new byte[20] });

    private static PeerIdentity Identity(string name) => new()
    {
        SubjectDn = "CN=" + name,
        CommonName = name,
        DnsNames = [name],
        NotBefore = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero),
        NotAfter = new DateTimeOffset(2035, 1, 1, 0, 0, 0, TimeSpan.Zero),
    };

    private static PacketBuffer Buffer(byte[] packet)
    {
        var buffer = new PacketBuffer(2048) { Offset = PacketBuffer.Headroom, Length = packet.Length };
        packet.CopyTo(buffer.Packet);
        return buffer;
    }

    /// <summary>Answers by the local port: the program set for it, else no socket.</summary>
    private sealed class PortResolver : ISocketOwnerResolver
    {
        private readonly Dictionary<ushort, string> _byPort = [];

        public int Calls { get; private set; }

        public void Set(ushort port, string program) => _byPort[port] = program;

        public SocketOwner Resolve(byte protocol, UInt128 local, ushort localPort, UInt128 remote, ushort remotePort)
        {
            Calls++;
            return _byPort.TryGetValue(localPort, out string? program)
                ? new SocketOwner(SocketOwnerStatus.Found, 1, 0, 100 + localPort, program)
                : SocketOwner.Failure(SocketOwnerStatus.NoSocket);
        }
    }
}
