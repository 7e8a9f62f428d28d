using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text.Json;
using System.Text.RegularExpressions;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;
using IpsecFw.Spd.Distribution;
using IpsecFw.Spd.Language;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// Signed bundles pulled from a real web server (nginx, <see cref="BundleWebServer"/>) by two real daemons that run a
/// tunnel between them (<c>policy.pull</c>, polled every second). A new bundle applied while traffic flows loses no
/// packet of a flow that stays permitted and cuts the flow it forbids; bundles that must be refused (unsigned, badly
/// signed, rolled back, expired) are refused with their reason in <c>status</c> while the old policy keeps working.
/// The daemons' nftables tables are off here (<c>firewall.nftables: false</c>): the fetch goes in clear over the
/// underlay, and the policy under test is the one on the tunnel's data path.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed partial class DaemonBundlePullTests
{
    private const string PolicyV1 = """
        hosts = x509{name="*.example.com"};
        allow icmp(hosts, hosts);
        allow tcp/8080(hosts, hosts);
        allow tcp/8081(hosts, hosts);
        """;

    /// <summary>Serial 2: ICMP and 8080 still allowed, 8081 no longer.</summary>
    private const string PolicyV2 = """
        hosts = x509{name="*.example.com"};
        allow icmp(hosts, hosts);
        allow tcp/8080(hosts, hosts);
        """;

    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);
    private static readonly IPAddress s_leftTun = IPAddress.Parse("198.19.1.10");
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");

    [Fact]
    public async Task A_new_bundle_published_on_nginx_is_pulled_by_both_daemons_while_a_ping_loses_nothing_the_kept_TCP_flow_survives_and_the_forbidden_one_is_cut()
    {
        if ((Prerequisites.Root() ?? BundleWebServer.Missing()) is { } reason)
        {
            Assert.Skip(reason);
        }

        using BundlePrivateKey signer = BundleSigner.GenerateKeyPair();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        await using BundleWebServer web = await BundleWebServer.StartAsync(net.Right.Ns, net.Right.Underlay);
        web.Publish(Sign(signer, PolicyV1, 1));
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        await using Pair pair = await StartPairAsync(net, pki, signer, web.HttpUrl, caFile: null);

        // Both daemons pulled serial 1 at start (no last good bundle yet), and polled again since: 304.
        foreach (DaemonProcess d in pair.Both)
        {
            Assert.True(await WaitCounterAsync(d, "not_modified", 1), Reports(web, pair));
            IReadOnlyDictionary<string, long> pull = await d.CountersAsync("pull");
            Assert.Equal(1, pull["applied"]);
            Assert.Equal(1L, (await StatusAsync(d)).GetProperty("policy").GetProperty("version").GetInt64());
        }

        // Two live TCP connections through the tunnel: 8080 (still allowed by serial 2) and 8081 (forbidden by it).
        using TcpListener kept = Listen(net.Right.Ns, 8080), cut = Listen(net.Right.Ns, 8081);
        (Socket keptClient, Socket keptServer) = await ConnectAsync(net.Left.Ns, kept, 8080);
        (Socket cutClient, Socket cutServer) = await ConnectAsync(net.Left.Ns, cut, 8081);
        using (keptClient)
        using (keptServer)
        using (cutClient)
        using (cutServer)
        {
            await AssertEchoAsync(keptClient, keptServer, "before");
            await AssertEchoAsync(cutClient, cutServer, "before");

            // 500 echo requests, 10 ms apart (about 5 s), while serial 2 is published and pulled by both daemons.
            Task<ProcessResult> ping = net.Left.Ns.ExecAsync("ping",
                ["-n", "-q", "-c", "500", "-i", "0.01", "-W", "2", "-I", s_leftTun.ToString(), s_rightTun.ToString()], TimeSpan.FromSeconds(60));
            await Task.Delay(1000, TestContext.Current.CancellationToken);
            web.Publish(Sign(signer, PolicyV2, 2));
            foreach (DaemonProcess d in pair.Both)
            {
                Assert.True(await WaitCounterAsync(d, "applied", 2), Reports(web, pair));
            }

            ProcessResult pinged = await ping;
            Match m = PingSummary().Match(pinged.StandardOutput);
            Assert.True(m.Success, $"{pinged}\n{Reports(web, pair)}");
            Assert.Equal(("500", "500"), (m.Groups["sent"].Value, m.Groups["received"].Value));

            // The kept connection still carries data both ways; the cut one carries nothing more.
            await AssertEchoAsync(keptClient, keptServer, "after");
            await cutClient.SendAsync("after"u8.ToArray());
            using (var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
            {
                byte[] buffer = new byte[16];
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await cutServer.ReceiveAsync(buffer, quiet.Token));
            }
        }

        // A new connection to 8081 is refused by serial 2; one to 8080 still opens.
        using (Socket client = Client(net.Left.Ns))
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ConnectAsync(new IPEndPoint(s_rightTun, 8081), cts.Token));
        }

        (Socket again, Socket againServer) = await ConnectAsync(net.Left.Ns, kept, 8080);
        using (again)
        using (againServer)
        {
            await AssertEchoAsync(again, againServer, "new");
        }

        foreach (DaemonProcess d in pair.Both)
        {
            JsonElement status = await StatusAsync(d);
            Assert.Equal(2L, status.GetProperty("policy").GetProperty("version").GetInt64());
            IReadOnlyDictionary<string, long> pull = await d.CountersAsync("pull");
            Assert.Equal(2, pull["applied"]);
            Assert.False(pull.ContainsKey("errors"), string.Join(", ", pull));
            Assert.False(pull.ContainsKey("refused"), string.Join(", ", pull));
            Assert.True(await WaitCounterAsync(d, "not_modified", pull["not_modified"] + 1), Reports(web, pair));
        }

        // Each daemon cut the 8081 connection when it installed serial 2 (and kept the 8080 one and the ping's flow).
        foreach (DaemonProcess d in pair.Both)
        {
            Assert.Matches(CutLine(), d.Log);
        }

        // nginx saw both kinds of answer: the full bundle (200, twice per daemon) and "not modified" (304).
        IReadOnlyList<int> statuses = web.Statuses();
        Assert.Equal(4, statuses.Count(s => s == 200));
        Assert.Contains(304, statuses);
        Assert.All(statuses, s => Assert.True(s is 200 or 304, web.AccessLog()));
        Assert.Contains("inm=\"", web.AccessLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsigned_badly_signed_rolled_back_and_expired_bundles_on_an_HTTPS_server_are_refused_with_their_reason_and_the_old_policy_keeps_working()
    {
        if ((Prerequisites.Root() ?? BundleWebServer.Missing()) is { } reason)
        {
            Assert.Skip(reason);
        }

        using BundlePrivateKey signer = BundleSigner.GenerateKeyPair();
        using BundlePrivateKey stranger = BundleSigner.GenerateKeyPair();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        await using BundleWebServer web = await BundleWebServer.StartAsync(net.Right.Ns, net.Right.Underlay, pki.IssueServer("bundles.example.com", net.Right.Underlay));
        web.Publish(Sign(signer, PolicyV1, 5));
        await using Pair pair = await StartPairAsync(net, pki, signer, web.HttpsUrl, caFile: pki.CaPem);
        DaemonProcess left = pair.Left;
        Assert.Equal(5L, (await StatusAsync(left)).GetProperty("policy").GetProperty("version").GetInt64());

        byte[] good = Sign(signer, PolicyV2, 6);
        byte[] unsigned = [.. good.AsSpan(0, good.Length - PolicyBundle.SignatureLength)];
        unsigned[^2] = 0;
        unsigned[^1] = 0;
        byte[] tampered = [.. good];
        tampered[60] ^= 0x20;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        (string Kind, byte[] Bytes, string Says)[] cases =
        [
            ("unsigned", unsigned, "not signed"),
            ("bad_signature", tampered, "does not verify"),
            ("unknown_key", Sign(stranger, PolicyV2, 7), "trusts only key"),
            ("rollback", Sign(signer, PolicyV2, 4), "rollback"),
            ("expired", BundleSigner.Sign(signer, Compile(PolicyV2), 8, now.AddDays(-10), now.AddDays(-1)).Encoded.ToArray(), "expired"),
        ];
        foreach ((string kind, byte[] bytes, string says) in cases)
        {
            web.Publish(bytes);
            Assert.True(await WaitCounterAsync(left, "refused." + kind, 1), $"{kind}\n{Reports(web, pair)}");
            JsonElement policy = (await StatusAsync(left)).GetProperty("policy");
            Assert.Equal(5L, policy.GetProperty("version").GetInt64());
            Assert.Contains(says, policy.GetProperty("lastError").GetString(), StringComparison.OrdinalIgnoreCase);

            // The old policy still lets the tunnel carry ICMP.
            ProcessResult ping = await net.Left.Ns.PingAsync(s_leftTun, s_rightTun, 2);
            Assert.True(ping.ExitCode == 0, $"{kind}: {ping}\n{Reports(web, pair)}");
        }

        // A refused bundle is not fetched whole again: the next polls are 304.
        long before = (await left.CountersAsync("pull"))["not_modified"];
        Assert.True(await WaitCounterAsync(left, "not_modified", before + 1), Reports(web, pair));

        // Then a good one is applied, over HTTPS verified against the test CA.
        web.Publish(good);
        Assert.True(await WaitCounterAsync(left, "applied", 2), Reports(web, pair));
        JsonElement after = (await StatusAsync(left)).GetProperty("policy");
        Assert.Equal(6L, after.GetProperty("version").GetInt64());
        Assert.Equal(JsonValueKind.Null, after.TryGetProperty("lastError", out JsonElement e) ? e.ValueKind : JsonValueKind.Null);
        IReadOnlyDictionary<string, long> counters = await left.CountersAsync("pull");
        Assert.Equal(5, counters["refused"]);
        Assert.False(counters.ContainsKey("errors"), string.Join(", ", counters));
        Assert.Contains("Policy pull from https://", left.Log, StringComparison.Ordinal);
    }

    private static async Task<Pair> StartPairAsync(NetnsTopology net, TestPki pki, BundlePrivateKey signer, string url, string? caFile)
    {
        string cas = caFile is null ? string.Empty : """, "caCertificates": [ "web-ca.pem" ]""";
        string section = $$"""{ "pull": { "location": "{{url}}", "intervalSeconds": 1, "timeoutSeconds": 5{{cas}} }, "signerKey": "signer.pub", "stateDirectory": "state" }""";
        void WritePullFiles(string dir)
        {
            File.WriteAllText(Path.Combine(dir, "signer.pub"), signer.PublicKey.ToKeyFile());
            File.SetUnixFileMode(Path.Combine(dir, "signer.pub"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            if (caFile is not null)
            {
                File.WriteAllText(Path.Combine(dir, "web-ca.pem"), caFile);
            }
        }

        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left",
            policySection: section, nftables: false);
        (string leftDir, string leftJson) = DaemonConfigs.Write(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, initiate: true, "right",
            policySection: section, nftables: false);
        WritePullFiles(rightDir);
        WritePullFiles(leftDir);
        DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        DaemonProcess left;
        try
        {
            left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);
        }
        catch
        {
            await right.DisposeAsync();
            throw;
        }

        var pair = new Pair(left, right);
        try
        {
            (bool up, JsonElement sas) = await left.WaitSasAsync(Established, s_bound);
            Assert.True(up, $"{sas}\n{Reports(null, pair)}");
            (up, sas) = await right.WaitSasAsync(Established, s_bound);
            Assert.True(up, $"{sas}\n{Reports(null, pair)}");
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    private static CompiledPolicy Compile(string source) =>
        CompiledPolicy.FromSource(source, "policy.pol", out CompileResult result)
        ?? throw new InvalidOperationException(string.Join("\n", result.Diagnostics.Select(d => d.Format())));

    private static byte[] Sign(BundlePrivateKey key, string source, ulong serial)
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        return BundleSigner.Sign(key, Compile(source), serial, now.AddMinutes(-1), now.AddDays(1)).Encoded.ToArray();
    }

    private static async Task<bool> WaitCounterAsync(DaemonProcess daemon, string name, long atLeast)
    {
        DateTime until = DateTime.UtcNow + s_bound;
        while (true)
        {
            IReadOnlyDictionary<string, long> pull = await daemon.CountersAsync("pull");
            if (pull.TryGetValue(name, out long v) && v >= atLeast)
            {
                return true;
            }

            if (DateTime.UtcNow > until)
            {
                return false;
            }

            await Task.Delay(250);
        }
    }

    private static async Task<(Socket Client, Socket Server)> ConnectAsync(Netns ns, TcpListener listener, int port)
    {
        Socket client = Client(ns);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Task<Socket> accept = listener.AcceptSocketAsync(cts.Token).AsTask();
        await client.ConnectAsync(new IPEndPoint(s_rightTun, port), cts.Token);
        return (client, await accept);
    }

    private static async Task AssertEchoAsync(Socket client, Socket server, string word)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        byte[] sent = System.Text.Encoding.ASCII.GetBytes(word);
        await client.SendAsync(sent, cts.Token);
        byte[] got = new byte[sent.Length];
        Assert.Equal(sent.Length, await server.ReceiveAsync(got, cts.Token));
        Assert.Equal(sent, got);
        await server.SendAsync(got, cts.Token);
        byte[] back = new byte[sent.Length];
        Assert.Equal(sent.Length, await client.ReceiveAsync(back, cts.Token));
        Assert.Equal(sent, back);
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

    private static string Reports(BundleWebServer? web, Pair pair) =>
        (web is null ? string.Empty : $"--- nginx access log ---\n{web.AccessLog()}\n--- nginx error log ---\n{web.ErrorLog()}\n")
        + string.Join("\n", pair.Both.Select(d => $"--- ipsecfw in {d.Ns} ---\n{d.Log}"));

    [GeneratedRegex(@"Policy version 2 enforced on the data path: \d+ SAs re-authorised, [1-9]\d* live connections kept, [1-9]\d* cut")]
    private static partial Regex CutLine();

    [GeneratedRegex(@"(?<sent>\d+) packets transmitted, (?<received>\d+) received")]
    private static partial Regex PingSummary();

    private sealed record Pair(DaemonProcess Left, DaemonProcess Right) : IAsyncDisposable
    {
        public IEnumerable<DaemonProcess> Both => [Left, Right];

        public async ValueTask DisposeAsync()
        {
            await Left.DisposeAsync();
            await Right.DisposeAsync();
        }
    }
}
