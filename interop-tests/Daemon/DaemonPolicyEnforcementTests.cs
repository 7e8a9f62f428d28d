using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.Json;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// The distributed firewall enforced by two real daemons on their ESP data path: a policy lets the client's
/// certificate group reach TCP port 8080 of the server and nothing else inbound. A real TCP connect through the tunnel
/// to 8080 succeeds; one to 8081 gets no answer (the server's daemon drops the SYN after decryption), and
/// <c>ipsecfw status --json</c> shows the denial counted (<c>drops.policy_denied_in</c>) and which rule decided each
/// connection (<c>policy.ruleHits</c>).
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DaemonPolicyEnforcementTests
{
    /// <summary>Rule 0 (line 3): the server accepts 8080 from clients; rule 1 (line 4): clients may call anyone.</summary>
    private const string Policy = """
        clients = x509{name="left.example.com"};
        servers = x509{name="right.example.com"};
        allow tcp/8080(clients, servers);
        allow *(clients, *);
        """;

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private static readonly IPAddress s_leftTun = IPAddress.Parse("198.19.1.10");
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");

    [Fact]
    public async Task A_TCP_connect_to_the_allowed_port_succeeds_and_one_to_another_port_is_dropped_and_counted_by_the_server()
    {
        if (Prerequisites.Root() is { } reason)
        {
            Assert.Skip(reason);
        }

        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left", Policy);
        (string leftDir, string leftJson) = DaemonConfigs.Write(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, initiate: true, "right", Policy);
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);
        (bool up, JsonElement sas) = await left.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(sas, left, right));
        (up, sas) = await right.WaitSasAsync(Established, s_bound);
        Assert.True(up, Reports(sas, left, right));

        using TcpListener allowed = Listen(net.Right.Ns, 8080), refused = Listen(net.Right.Ns, 8081);
        using (Socket client = Client(net.Left.Ns))
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            Task<Socket> accept = allowed.AcceptSocketAsync(cts.Token).AsTask();
            await client.ConnectAsync(new IPEndPoint(s_rightTun, 8080), cts.Token);
            using Socket server = await accept;
            await client.SendAsync("hello"u8.ToArray(), cts.Token);
            byte[] got = new byte[5];
            Assert.Equal(5, await server.ReceiveAsync(got, cts.Token));
            Assert.Equal("hello"u8.ToArray(), got);
        }

        using (Socket client = Client(net.Left.Ns))
        {
            // The SYN is retransmitted after 1 s; a 3-second bound sees at least two of them refused.
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ConnectAsync(new IPEndPoint(s_rightTun, 8081), cts.Token));
            Assert.False(refused.Pending());
        }

        JsonElement rightStatus = await StatusAsync(right);
        JsonElement datapath = rightStatus.GetProperty("counters").GetProperty("datapath");
        Assert.True(datapath.GetProperty("drops.policy_denied_in").GetInt64() >= 2, Reports(rightStatus, left, right));
        Assert.Equal(0, datapath.GetProperty("drops.policy_denied_out").GetInt64());
        List<JsonElement> hits = [.. rightStatus.GetProperty("policy").GetProperty("ruleHits").EnumerateArray()];
        Assert.Equal((0, 3, "allow tcp/8080(clients, servers);"), (hits[0].GetProperty("index").GetInt32(), hits[0].GetProperty("line").GetInt32(), hits[0].GetProperty("text").GetString()));
        Assert.Equal(1, hits[0].GetProperty("allowed").GetInt64());
        Assert.Equal(-1, hits[^1].GetProperty("index").GetInt32());
        Assert.True(hits[^1].GetProperty("denied").GetInt64() >= 2, Reports(rightStatus, left, right));
        Assert.Contains("Policy denied inbound tcp 198.19.1.10:", right.Log, StringComparison.Ordinal);
        Assert.Contains("-> 198.19.2.10:8081", right.Log, StringComparison.Ordinal);

        // The client's own daemon allowed both connections outbound: 8080 by rule 0 (the server is in servers), 8081 by rule 1.
        JsonElement leftStatus = await StatusAsync(left);
        List<JsonElement> leftHits = [.. leftStatus.GetProperty("policy").GetProperty("ruleHits").EnumerateArray()];
        Assert.Equal(1, leftHits[0].GetProperty("allowed").GetInt64());
        Assert.Equal(1, leftHits[1].GetProperty("allowed").GetInt64());
        Assert.Equal(0, leftHits[^1].GetProperty("denied").GetInt64());
    }

    private static TcpListener Listen(Netns ns, int port) => ns.Run(() =>
    {
        var listener = new TcpListener(s_rightTun, port);
        listener.Start();
        return listener;
    });

    private static Socket Client(Netns ns) => ns.Run(() =>
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(s_leftTun, 0));
        return socket;
    });

    private static async Task<JsonElement> StatusAsync(DaemonProcess daemon)
    {
        ProcessResult r = await daemon.CliAsync("status", "--json");
        Assert.True(r.ExitCode == 0, $"ipsecfw status failed: {r}\n{daemon.Log}");
        using var doc = JsonDocument.Parse(r.StandardOutput);
        return doc.RootElement.Clone();
    }

    private static bool Established(JsonElement sas) =>
        sas.GetArrayLength() == 1 && sas[0].GetProperty("state").GetString() == "established" && sas[0].GetProperty("children").GetArrayLength() == 1;

    private static string Reports(object what, params DaemonProcess[] daemons) =>
        $"{what}\n" + string.Join("\n", daemons.Select(d => $"--- ipsecfw in {d.Ns} ---\n{d.Log}"));
}
