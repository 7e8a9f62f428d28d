using System.Text.Json;
using IpsecFw.Host.Control;
using IpsecFw.Host.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace IpsecFw.Host.Tests.Control;

/// <summary>The control socket in process: round trips, hostile frames, and many clients.</summary>
public sealed class ControlServerTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly FakeHandler _handler = new();
    private ControlServer _server = null!;

    private string SocketPath => _dir.File("run/control.sock");

    public ValueTask InitializeAsync()
    {
        _server = new ControlServer(SocketPath, maxClients: 4, _handler, NullLogger.Instance) { IdleTimeout = TimeSpan.FromSeconds(5) };
        _server.Start();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Status_round_trip()
    {
        ControlResponse response = await ControlClient.SendAsync(SocketPath, new ControlRequest { Command = "status" }, TimeSpan.FromSeconds(10),
            TestContext.Current.CancellationToken);
        Assert.True(response.Ok);
        Assert.Equal("9.9.9", response.Status!.Version);
        Assert.Equal(3, response.Status.Counters["esp"]["drops.replay"]);
        Assert.Equal("source", response.Status.Policy.Origin);
    }

    [Fact]
    public async Task Sas_round_trip_carries_every_field()
    {
        ControlResponse response = await ControlClient.SendAsync(SocketPath, new ControlRequest { Command = "sas" }, TimeSpan.FromSeconds(10),
            TestContext.Current.CancellationToken);
        IkeSaInfo sa = Assert.Single(response.Sas!);
        IReadOnlyList<ChildSaInfo> none = Array.Empty<ChildSaInfo>();
        IReadOnlyList<string> empty = Array.Empty<string>();
        Assert.Equal(FakeHandler.Sa with { Children = none, VirtualAddresses = empty, Dns = empty, LeasedAddresses = empty },
            sa with { Children = none, VirtualAddresses = empty, Dns = empty, LeasedAddresses = empty });
        Assert.Equal(FakeHandler.Sa.VirtualAddresses, sa.VirtualAddresses);
        Assert.Equal(FakeHandler.Sa.Dns, sa.Dns);
        Assert.Equal(FakeHandler.Sa.LeasedAddresses, sa.LeasedAddresses);
        ChildSaInfo child = Assert.Single(sa.Children);
        Assert.Equal(FakeHandler.Sa.Children[0].Drops, child.Drops);
        Assert.Equal(FakeHandler.Sa.Children[0].LocalSelectors, child.LocalSelectors);
        Assert.Equal(1234, child.BytesIn);
    }

    [Fact]
    public void Several_requests_on_one_connection_are_answered_in_order()
    {
        using var client = new RawClient(SocketPath);
        client.SendFrame("""{"command":"status"}""");
        client.SendFrame("""{"command":"nonsense"}""");
        client.SendFrame("""{"command":"sas"}""");
        Assert.True(client.Receive()!.RootElement.GetProperty("ok").GetBoolean());
        JsonElement unknown = client.Receive()!.RootElement;
        Assert.False(unknown.GetProperty("ok").GetBoolean());
        Assert.Equal("unknown command 'nonsense'", unknown.GetProperty("error").GetString());
        Assert.True(client.Receive()!.RootElement.TryGetProperty("sas", out _));
    }

    [Theory]
    [InlineData("not json at all", "malformed request: the frame is not a JSON request object")]
    [InlineData("[1,2,3]", "malformed request: the frame is not a JSON request object")]
    [InlineData("{\"verb\":\"status\"}", "malformed request: the request has no \"command\"")]
    public void A_malformed_frame_gets_an_error_and_the_connection_closes(string payload, string message)
    {
        using var client = new RawClient(SocketPath);
        client.SendFrame(payload);
        JsonElement response = client.Receive()!.RootElement;
        Assert.False(response.GetProperty("ok").GetBoolean());
        Assert.Equal(message, response.GetProperty("error").GetString());
        Assert.True(client.IsClosedByServer());
        AssertStillServing();
    }

    [Theory]
    [InlineData(ControlFraming.MaxFrameLength + 1, "malformed request: frame of 1048577 bytes is larger than the limit of 1048576")]
    [InlineData(uint.MaxValue, "malformed request: frame of 4294967295 bytes is larger than the limit of 1048576")]
    [InlineData(0, "malformed request: empty frame")]
    public void An_oversized_or_empty_frame_is_refused_before_its_body(uint length, string message)
    {
        using var client = new RawClient(SocketPath);
        client.SendLength(length);
        JsonElement response = client.Receive()!.RootElement;
        Assert.Equal(message, response.GetProperty("error").GetString());
        Assert.True(client.IsClosedByServer());
        AssertStillServing();
    }

    [Fact]
    public void A_client_that_disconnects_mid_frame_does_not_hurt_the_server()
    {
        for (int i = 0; i < 10; i++)
        {
            using var client = new RawClient(SocketPath);
            client.SendLength(100);
            client.SendRaw("{\"comm"u8);
        }

        using (var half = new RawClient(SocketPath))
        {
            half.SendRaw([0, 0]);
        }

        AssertStillServing();
    }

    [Fact]
    public void A_silent_client_is_closed_after_the_idle_timeout()
    {
        using var client = new RawClient(SocketPath);
        client.SendLength(50);
        var started = TimeProvider.System.GetTimestamp();
        Assert.True(client.IsClosedByServer());
        Assert.InRange(TimeProvider.System.GetElapsedTime(started), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task Concurrent_clients_up_to_the_limit_are_all_served()
    {
        Task<int>[] clients = [.. Enumerable.Range(0, 4).Select(i => Task.Run(() =>
        {
            using var client = new RawClient(SocketPath);
            int ok = 0;
            for (int n = 0; n < 25; n++)
            {
                client.SendFrame(n % 2 == 0 ? """{"command":"status"}""" : """{"command":"sas"}""");
                ok += client.Receive()!.RootElement.GetProperty("ok").GetBoolean() ? 1 : 0;
            }

            return ok;
        }))];
        int[] served = await Task.WhenAll(clients);
        Assert.All(served, n => Assert.Equal(25, n));
    }

    [Fact]
    public async Task A_burst_of_clients_is_served_or_told_busy_never_dropped()
    {
        Task<ControlResponse>[] requests = [.. Enumerable.Range(0, 32).Select(i => Task.Run(() => ControlClient.SendAsync(
            SocketPath, new ControlRequest { Command = i % 2 == 0 ? "status" : "sas" }, TimeSpan.FromSeconds(20))))];
        ControlResponse[] responses = await Task.WhenAll(requests);
        Assert.All(responses, r => Assert.True(r.Ok || r.Error!.StartsWith("busy:", StringComparison.Ordinal), r.Error));
        Assert.Contains(responses, r => r.Ok);
        AssertStillServing();
    }

    [Fact]
    public void One_client_more_than_the_limit_is_told_it_is_busy()
    {
        var held = new List<RawClient>();
        try
        {
            for (int i = 0; i < 4; i++)
            {
                var c = new RawClient(SocketPath);
                c.SendFrame("""{"command":"status"}""");
                Assert.True(c.Receive()!.RootElement.GetProperty("ok").GetBoolean());
                held.Add(c);
            }

            using var extra = new RawClient(SocketPath);
            JsonElement response = extra.Receive()!.RootElement;
            Assert.Equal("busy: 4 clients are connected; try again", response.GetProperty("error").GetString());
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public void Socket_is_0600_in_a_0700_directory()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(SocketPath)!));
    }

    [Fact]
    public void A_second_server_on_the_same_socket_refuses_to_start()
    {
        var second = new ControlServer(SocketPath, 1, _handler, NullLogger.Instance);
        IOException e = Assert.Throws<IOException>(second.Start);
        Assert.Equal($"another daemon is already listening on the control socket '{SocketPath}'", e.Message);
    }

    [Fact]
    public async Task A_handler_that_throws_gives_an_error_response()
    {
        ControlResponse response = await ControlClient.SendAsync(SocketPath, new ControlRequest { Command = "throw" }, TimeSpan.FromSeconds(10),
            TestContext.Current.CancellationToken);
        Assert.False(response.Ok);
        Assert.Equal("'throw' failed inside the daemon: boom", response.Error);
        AssertStillServing();
    }

    [Fact]
    public void The_cli_prints_sas_as_text()
    {
        (int code, string output, string error) = CliRunner.Run("sas", "--socket", SocketPath);
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, error);
        Assert.Equal(
            """
            gw: established, 198.18.0.2:4500, CN=gw.example.com,O=Example, aes256gcm16-prfsha384-x25519, SPIs 0011223344556677_i 8899aabbccddeeff_r, established 2026-01-02 03:04:05Z
              assigned to us: 198.19.128.1, DNS 198.19.2.53
              leased to the peer: 198.19.128.9, 2001:2:0:ff00::9
              child: installed, tunnel, aes256gcm16-esn, SPIs c0000001_in c0000002_out, in 1234 bytes/10 packets, out 5678 bytes/20 packets, 2 drops, 198.18.1.0/24 === 198.18.2.0/24

            """, output);
    }

    [Fact]
    public void The_cli_prints_status_as_text_and_json()
    {
        (int code, string output, _) = CliRunner.Run("status", "--socket", SocketPath);
        Assert.Equal(0, code);
        Assert.StartsWith("ipsecfw 9.9.9, pid 0, up 0s", output, StringComparison.Ordinal);
        Assert.Contains("\nesp:      drops.replay 3\n", output, StringComparison.Ordinal);
        Assert.Contains("\nike:      no IKE engine runs in this daemon yet (0 SAs)\n", output, StringComparison.Ordinal);

        (code, output, _) = CliRunner.Run("status", "--json", "--socket", SocketPath);
        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(output);
        Assert.Equal(3, json.RootElement.GetProperty("counters").GetProperty("esp").GetProperty("drops.replay").GetInt64());
    }

    [Fact]
    public void The_cli_reports_a_daemon_error_with_exit_code_3()
    {
        (int code, _, string error) = CliRunner.Run("reload", "--socket", SocketPath);
        Assert.Equal(3, code);
        Assert.Equal("ipsecfw: the daemon says: unknown command 'reload'\n", error);
    }

    private void AssertStillServing()
    {
        using var client = new RawClient(SocketPath);
        client.SendFrame("""{"command":"status"}""");
        Assert.True(client.Receive()!.RootElement.GetProperty("ok").GetBoolean());
    }

    private sealed class FakeHandler : IControlHandler
    {
        public static readonly IkeSaInfo Sa = new()
        {
            PeerName = "gw",
            PeerIdentity = "CN=gw.example.com,O=Example",
            PeerAddress = "198.18.0.2:4500",
            LocalAddress = "198.18.0.1:4500",
            State = "established",
            Initiator = true,
            InitiatorSpi = "0011223344556677",
            ResponderSpi = "8899aabbccddeeff",
            Algorithms = "aes256gcm16-prfsha384-x25519",
            NatTraversal = true,
            EstablishedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            VirtualAddresses = ["198.19.128.1"],
            Dns = ["198.19.2.53"],
            LeasedAddress = "198.19.128.9",
            LeasedAddresses = ["198.19.128.9", "2001:2:0:ff00::9"],
            Children =
            [
                new ChildSaInfo
                {
                    State = "installed",
                    Algorithms = "aes256gcm16-esn",
                    InboundSpi = "c0000001",
                    OutboundSpi = "c0000002",
                    LocalSelectors = ["198.18.1.0/24"],
                    RemoteSelectors = ["198.18.2.0/24"],
                    BytesIn = 1234,
                    BytesOut = 5678,
                    PacketsIn = 10,
                    PacketsOut = 20,
                    Drops = new Dictionary<string, long> { ["replay"] = 2 },
                    EstablishedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 6, TimeSpan.Zero),
                },
            ],
        };

        public ValueTask<ControlResponse> HandleAsync(ControlRequest request, CancellationToken cancellationToken) => request.Command switch
        {
            "status" => ValueTask.FromResult(new ControlResponse
            {
                Ok = true,
                Status = new StatusReport
                {
                    Version = "9.9.9",
                    Policy = new PolicyStatus { Origin = "source", Version = 1 },
                    Counters = new Dictionary<string, IReadOnlyDictionary<string, long>> { ["esp"] = new Dictionary<string, long> { ["drops.replay"] = 3 } },
                },
            }),
            "sas" => ValueTask.FromResult(new ControlResponse { Ok = true, Sas = [Sa] }),
            "throw" => throw new InvalidOperationException("boom"),
            _ => ValueTask.FromResult(ControlResponse.Failure($"unknown command '{request.Command}'")),
        };
    }
}
