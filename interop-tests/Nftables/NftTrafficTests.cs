using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Text;
using System.Text.RegularExpressions;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.Spd.Nftables;
using IpsecFw.Spd.Tests.Figures;

namespace IpsecFw.InteropTests.Nftables;

/// <summary>
/// Figure 1's ruleset for an inside host, applied to a namespace, judged by real packets. Left (198.18.0.1) is
/// host1.example.com; right is the outside world: 198.18.0.2 an outsider, 198.18.0.3 the time server (Figure 1's
/// <c>time_server</c>, here at that address). Each refusal is first shown to succeed without the ruleset, so the
/// ruleset is what refuses it; a refusal is a connection attempt bounded in time, and the datagram test needs no
/// timeout at all (the outsider's datagram is sent first: had it passed, it would be received first).
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed partial class NftTrafficTests
{
    private static readonly IPAddress s_host = IPAddress.Parse("198.18.0.1");
    private static readonly IPAddress s_outsider = IPAddress.Parse("198.18.0.2");
    private static readonly IPAddress s_timeServer = IPAddress.Parse("198.18.0.3");
    private static readonly TimeSpan s_refusedBound = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Figure_1_at_an_inside_host_refuses_clear_smtp_admits_ntp_from_the_time_server_only_and_lets_the_host_call_out()
    {
        NftPreconditions.SkipUnlessAvailable();
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        Netns host = net.Left.Ns, outside = net.Right.Ns;
        await outside.MustIpAsync("addr", "add", $"{s_timeServer}/24", "dev", "vr");

        using TcpListener smtp = host.Run(() => Listen(s_host, 25));
        using TcpListener web = outside.Run(() => Listen(s_outsider, 8080));
        using Socket ntp = host.OpenUdpSocket(new IPEndPoint(s_host, 123));
        using Socket fromOutsider = outside.OpenUdpSocket(new IPEndPoint(s_outsider, 0));
        using Socket fromTimeServer = outside.OpenUdpSocket(new IPEndPoint(s_timeServer, 0));

        // Without the ruleset, SMTP from the outsider connects and its NTP datagram arrives.
        Assert.True(await ConnectsAsync(outside, s_outsider, new IPEndPoint(s_host, 25), smtp, ct), "SMTP without the ruleset");
        fromOutsider.SendTo("before"u8, new IPEndPoint(s_host, 123));
        Assert.Equal(("before", s_outsider), await ReceiveAsync(ntp, ct));

        string policy = PaperFigures.Figure1.Replace("192.0.2.123", s_timeServer.ToString(), StringComparison.Ordinal);
        string ruleset = NftRulesetCheckTests.Build(policy, "host1.example.com", DateTimeOffset.UtcNow.AddDays(-1), [s_host], new NftOptions());
        string file = Path.Combine(Path.GetTempPath(), $"ipsecfw-nft-{Guid.NewGuid():N}.nft");
        await File.WriteAllTextAsync(file, ruleset, ct);
        try
        {
            await host.MustExecAsync("nft", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }

        // Clear SMTP from an outsider: line 5 binds the mail gateway only, line 6 needs mail_gw's certificate.
        Assert.False(await ConnectsAsync(outside, s_outsider, new IPEndPoint(s_host, 25), smtp, ct), "SMTP from the outsider connected through the ruleset\n" + ruleset);

        // NTP: the outsider's datagram goes first and is dropped; the time server's (line 7) is the first to arrive.
        fromOutsider.SendTo("outsider"u8, new IPEndPoint(s_host, 123));
        fromTimeServer.SendTo("time"u8, new IPEndPoint(s_host, 123));
        Assert.Equal(("time", s_timeServer), await ReceiveAsync(ntp, ct));

        // Line 8, *(inside_net, *): the host calls out in clear, and the answers come back as established.
        Assert.True(await ConnectsAsync(host, s_host, new IPEndPoint(s_outsider, 8080), web, ct), "host1 could not call out\n" + ruleset);

        string listed = await host.MustExecAsync("nft", "list", "table", "inet", "ipsecfw");
        Assert.True(Counter(listed, "ipsecfw default deny") >= 2, listed);   // the SYN (and its retries) and the datagram
        Assert.True(Counter(listed, "ipsecfw rule 2 line 7") == 1, listed);
        Assert.True(Counter(listed, "ipsecfw rule 3 line 8") == 1, listed);
    }

    private static TcpListener Listen(IPAddress address, int port)
    {
        var listener = new TcpListener(address, port);
        listener.Start();
        return listener;
    }

    /// <summary>Connects from inside <paramref name="ns"/>, bounded in time; true when the connection was made and accepted.</summary>
    private static async Task<bool> ConnectsAsync(Netns ns, IPAddress from, IPEndPoint to, TcpListener listener, CancellationToken ct)
    {
        using Socket client = ns.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(from, 0));
            return s;
        });
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(s_refusedBound);
        try
        {
            await client.ConnectAsync(to, bound.Token);
            using Socket accepted = await listener.AcceptSocketAsync(bound.Token);
            return accepted.RemoteEndPoint is IPEndPoint remote && remote.Address.Equals(from);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task<(string Text, IPAddress From)> ReceiveAsync(Socket socket, CancellationToken ct)
    {
        byte[] buffer = new byte[64];
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(TimeSpan.FromSeconds(10));
        SocketReceiveFromResult r = await socket.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), bound.Token);
        return (Encoding.ASCII.GetString(buffer, 0, r.ReceivedBytes), ((IPEndPoint)r.RemoteEndPoint).Address);
    }

    /// <summary>The packets counted by the rules with this comment (<c>nft list</c> prints "counter packets N bytes M").</summary>
    internal static long Counter(string listed, string comment) =>
        listed.Split('\n')
            .Where(l => l.Contains($"comment \"{comment}\"", StringComparison.Ordinal))
            .Select(l => CounterPattern().Match(l))
            .Where(m => m.Success)
            .Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"counter packets (\d+) bytes")]
    private static partial Regex CounterPattern();
}
