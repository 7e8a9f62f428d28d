using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text.Json;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;
using static System.FormattableString;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// Hostile traffic against a running `ipsecfw run` (issue 6, items 2 and 3): truncated, oversized, wrong-length,
/// wrong-version and garbage IKE datagrams on UDP/500 and 4500, and ESP with unknown SPIs and forged contents on 4500,
/// sent as fast as one socket sends for a bounded count and time, from the peer's namespace. The daemon stays up, its
/// SA keeps its SPIs and carries a ping afterwards, and every datagram shows up as a counted drop in `status`.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
[Collection(DaemonLoadCollection.Name)]
public sealed class DaemonHostileTrafficTests
{
    private const int Datagrams = 20_000;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private static readonly IPAddress s_leftTun = IPAddress.Parse("198.19.1.10");
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");

    [Fact]
    public async Task Garbage_ike_and_forged_esp_are_counted_drops_and_the_sa_keeps_working()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Skip("not run: needs root (network namespaces)");
        }

        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left");
        (string leftDir, string leftJson) = DaemonConfigs.Write(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, initiate: true, "right");
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);
        (bool up, JsonElement before) = await right.WaitSasAsync(s => s.GetArrayLength() == 1 && s[0].GetProperty("children").GetArrayLength() == 1, s_bound);
        Assert.True(up, right.Log + left.Log);
        string spi = before[0].GetProperty("initiatorSpi").GetString()!;

        // From a second address of the left namespace, so the daemons' own sockets are untouched.
        await net.Left.Ns.MustIpAsync("addr", "add", "198.18.0.101/24", "dev", "vl");
        // Source port 500: the left daemon's nftables table lets out only UDP from 500 and 4500 (an ephemeral port: EPERM).
        using Socket attacker = net.Left.Ns.OpenUdpSocket(new IPEndPoint(IPAddress.Parse("198.18.0.101"), 500));
        var target500 = new IPEndPoint(net.Right.Underlay, 500);
        var target4500 = new IPEndPoint(net.Right.Underlay, 4500);
        var random = new Random(6);
        byte[] buffer = new byte[2048];
        var watch = Stopwatch.StartNew();
        int sent = 0;
        for (; sent < Datagrams && watch.Elapsed < TimeSpan.FromSeconds(10); sent++)
        {
            int length = Hostile(sent, random, buffer);
            attacker.SendTo(buffer.AsSpan(0, length), SocketFlags.None, sent % 2 == 0 ? target500 : target4500);
        }

        double rate = sent / watch.Elapsed.TotalSeconds;
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.False(right.HasExited, right.Log);

        (bool same, JsonElement after) = await right.WaitSasAsync(s => s.GetArrayLength() == 1, TimeSpan.FromSeconds(5));
        Assert.True(same, right.Log);
        Assert.Equal(spi, after[0].GetProperty("initiatorSpi").GetString());
        ProcessResult ping = await net.Left.Ns.PingAsync(s_leftTun, s_rightTun, count: 3);
        Assert.True(ping.ExitCode == 0, $"{ping}\n{right.Log}");

        ProcessResult status = await right.CliAsync("status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        using JsonDocument doc = JsonDocument.Parse(status.StandardOutput);
        JsonElement counters = doc.RootElement.GetProperty("counters");
        long ike = Sum(counters.GetProperty("ike"), "drops.");
        long esp = Sum(counters.GetProperty("esp"), "drops."); // the data path's esp_rejected repeats these
        TestContext.Current.TestOutputHelper?.WriteLine($"{sent} hostile datagrams at {rate:F0}/s; IKE drops {ike}, ESP/data-path drops {esp}\n{status.StandardOutput}");
        // Every IKE datagram is counted by the engine, every ESP one by the ESP table (19,022 of 20,000 here; datagrams
        // of under 4 bytes on 4500 are neither). The kernel may drop some when the receive buffer is full (they never
        // reach us), so the bound is from below, generous for a loaded CI machine.
        Assert.True(ike + esp >= sent / 2, $"only {ike} + {esp} of {sent} counted\n{status.StandardOutput}");
        Assert.True(Sum(counters.GetProperty("esp"), "drops.unknown_spi") > 0, status.StandardOutput);
        Assert.True(Sum(counters.GetProperty("ike"), "drops.malformed") > 0, status.StandardOutput);
    }

    /// <summary>
    /// Issue 6 item 3 at the highest rate one sender reaches: real ESP datagrams of the legitimate SA, captured as the
    /// right namespace receives them (a raw UDP socket gets a copy of every UDP datagram with its IP header), then sent
    /// again from the left namespace through a raw socket (IPPROTO_RAW, the captured IP packets as they were) as fast
    /// as one thread sends for a few seconds: exact replays, copies cut short, and copies with a sequence number moved
    /// ahead of the window (so the replay check passes and the ICV fails). Every datagram is counted: by the ESP SA
    /// (<c>replay</c>, <c>truncated</c>/<c>malformed</c>, <c>icv_failure</c>) or by the kernel (<c>kernel.udp4500.drops</c>,
    /// a full receive buffer); the SA keeps its SPIs and carries a ping and a TCP transfer afterwards.
    /// </summary>
    [Fact]
    public async Task Replayed_truncated_and_forged_esp_of_the_real_sa_at_full_rate_are_counted_and_the_sa_keeps_working()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            Assert.Skip("not run: needs root (network namespaces)");
        }

        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left");
        (string leftDir, string leftJson) = DaemonConfigs.Write(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun, initiate: true, "right");
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);
        (bool up, JsonElement before) = await right.WaitSasAsync(s => s.GetArrayLength() == 1 && s[0].GetProperty("children").GetArrayLength() == 1, s_bound);
        Assert.True(up, right.Log + left.Log);
        string spi = before[0].GetProperty("initiatorSpi").GetString()!;
        long idle = right.RssKib();

        // Capture: 64 UDP datagrams from the left daemon's tunnel address through the SA, as the right namespace receives them.
        List<byte[]> captured = await CaptureEspAsync(net, count: 64);
        Assert.True(captured.Count >= 16, $"only {captured.Count} ESP datagrams captured\n{right.Log}");
        IReadOnlyDictionary<string, long> espBefore = await right.CountersAsync("esp");

        // Replay, cut short, forge: as fast as one raw socket sends, for at most 4 s and 1,000,000 datagrams.
        (long sent, long failures, double seconds) = net.Left.Ns.Run(() => ResendEsp(captured, TimeSpan.FromSeconds(4), 1_000_000));
        double rate = sent / seconds;
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.False(right.HasExited, right.Log);
        long peak = right.RssKib();

        (bool same, JsonElement after) = await right.WaitSasAsync(s => s.GetArrayLength() == 1, TimeSpan.FromSeconds(5));
        Assert.True(same, right.Log);
        Assert.Equal(spi, after[0].GetProperty("initiatorSpi").GetString());
        ProcessResult ping = await net.Left.Ns.PingAsync(s_leftTun, s_rightTun, count: 3);
        Assert.True(ping.ExitCode == 0, $"{ping}\n{right.Log}");
        long transferred = await TcpTransferAsync(net.Left.Ns, s_leftTun, net.Right.Ns, s_rightTun, 1 << 20);
        Assert.Equal(1 << 20, transferred);

        IReadOnlyDictionary<string, long> esp = await right.CountersAsync("esp");
        IReadOnlyDictionary<string, long> kernel = await right.CountersAsync("kernel");
        long Delta(string key) => esp.GetValueOrDefault(key) - espBefore.GetValueOrDefault(key);
        long replay = Delta("drops.replay"), icv = Delta("drops.icv_failure"), shortened = Delta("drops.truncated") + Delta("drops.malformed");
        long kernelDrops = kernel.GetValueOrDefault("udp4500.drops");
        string figures = Invariant($"{captured.Count} ESP datagrams captured; {sent} sent in {seconds:F1} s = {rate:F0}/s ({failures} refused by the sender's stack); ") +
            Invariant($"the daemon counted replay {replay}, icv_failure {icv}, truncated/malformed {shortened}; the kernel dropped {kernelDrops} (udp4500.drops); ") +
            Invariant($"RSS idle {idle / 1024} MiB, after {peak / 1024} MiB\nesp: ") + string.Join(", ", esp.Select(kv => $"{kv.Key}={kv.Value}")) +
            "\nkernel: " + string.Join(", ", kernel.Select(kv => $"{kv.Key}={kv.Value}"));
        TestContext.Current.TestOutputHelper?.WriteLine(figures);
        Assert.True(replay > 0 && icv > 0 && shortened > 0, figures);
        Assert.True(kernel.ContainsKey("udp4500.drops") && kernel.ContainsKey("udp.rcvbuf_errors"), figures);
        // Every datagram that left the sender was counted by the SA or dropped (and counted) by the kernel for a full
        // receive buffer; 1 % is left for losses on the veth itself.
        Assert.True(replay + icv + shortened + kernelDrops >= sent * 99 / 100, figures);
        Assert.True(peak - idle < 100 * 1024, figures);
    }

    /// <summary>Receives up to <paramref name="count"/> ESP-in-UDP datagrams (port 4500 both ways, nonzero SPI) from the left daemon while UDP flows through its SA.</summary>
    private static async Task<List<byte[]>> CaptureEspAsync(NetnsTopology net, int count)
    {
        using Socket capture = net.Right.Ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Udp));
        capture.ReceiveTimeout = 200;
        byte[] from = net.Left.Underlay.GetAddressBytes();
        var captured = new List<byte[]>();
        Task<List<byte[]>> reader = Task.Factory.StartNew(() =>
        {
            byte[] buffer = new byte[65536];
            var watch = Stopwatch.StartNew();
            while (captured.Count < count && watch.Elapsed < TimeSpan.FromSeconds(10))
            {
                int n;
                try
                {
                    n = capture.Receive(buffer);
                }
                catch (SocketException)
                {
                    continue;
                }

                int ihl = (buffer[0] & 0x0f) * 4;
                if (n >= ihl + 8 + 16 && buffer.AsSpan(12, 4).SequenceEqual(from)
                    && BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(ihl)) == 4500 && BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(ihl + 2)) == 4500
                    && BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(ihl + 8)) != 0)
                {
                    captured.Add(buffer.AsSpan(0, n).ToArray());
                }
            }

            return captured;
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // Traffic through the SA: UDP datagrams from the left tunnel address to the right one (one ESP datagram each).
        using Socket udp = net.Left.Ns.OpenUdpSocket(new IPEndPoint(s_leftTun, 0));
        byte[] payload = new byte[200];
        for (int i = 0; i < count * 2 && !reader.IsCompleted; i++)
        {
            udp.SendTo(payload, new IPEndPoint(s_rightTun, 9));
            await Task.Delay(20);
        }

        return await reader;
    }

    /// <summary>
    /// Sends the captured IP packets again in turn, as fast as one raw socket goes, until <paramref name="bound"/> or
    /// <paramref name="max"/>: two exact replays, one cut to 8 bytes of ESP after SPI and sequence number, one with its
    /// sequence number moved ahead (a forgery: the ICV covers it). Runs inside the left namespace.
    /// </summary>
    private static (long Sent, long Failures, double Seconds) ResendEsp(List<byte[]> captured, TimeSpan bound, long max)
    {
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw);
        var variants = new List<byte[]>();
        uint ahead = 1_000_000;
        foreach (byte[] packet in captured)
        {
            int ihl = (packet[0] & 0x0f) * 4;
            // The captured UDP checksum may be the partial one of a veth's checksum offload, which the receiver would
            // refuse once the packet comes from a raw socket: every copy goes without one (0, RFC 768).
            byte[] replay = (byte[])packet.Clone();
            BinaryPrimitives.WriteUInt16BigEndian(replay.AsSpan(ihl + 6), 0);
            variants.Add(replay);
            variants.Add(replay);
            byte[] cut = packet.AsSpan(0, ihl + 8 + 16).ToArray();
            BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(ihl + 4), 8 + 16);
            BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(ihl + 6), 0); // no UDP checksum (RFC 768)
            variants.Add(cut);
            byte[] forged = (byte[])replay.Clone();
            BinaryPrimitives.WriteUInt32BigEndian(forged.AsSpan(ihl + 8 + 4), ahead++);
            variants.Add(forged);
        }

        var to = new IPEndPoint(new IPAddress(captured[0].AsSpan(16, 4)), 0);
        long sent = 0, failures = 0;
        var watch = Stopwatch.StartNew();
        while (sent + failures < max && watch.Elapsed < bound)
        {
            for (int i = 0; i < variants.Count; i++)
            {
                try
                {
                    raw.SendTo(variants[i], SocketFlags.None, to);
                    sent++;
                }
                catch (SocketException)
                {
                    failures++;
                }
            }
        }

        return (sent, failures, watch.Elapsed.TotalSeconds);
    }

    /// <summary>Sends <paramref name="bytes"/> over TCP from <paramref name="from"/> (in <paramref name="client"/>) to <paramref name="to"/>:5001 (in <paramref name="server"/>), IPv4 or IPv6; returns what arrived. Bounded: 30 s.</summary>
    internal static async Task<long> TcpTransferAsync(Netns client, IPAddress from, Netns server, IPAddress to, int bytes) =>
        (await TcpTransferVerifiedAsync(client, from, server, to, bytes)).Received;

    /// <summary>
    /// As <see cref="TcpTransferAsync"/>, and whether what arrived is exactly what was sent (SHA-256 of both streams):
    /// with TUN offloads the receiving kernel trusts the checksums of merged segments, so the bytes are compared here.
    /// </summary>
    internal static async Task<(long Received, bool Intact)> TcpTransferVerifiedAsync(Netns client, IPAddress from, Netns server, IPAddress to, int bytes)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using Socket listener = server.Run(() =>
        {
            var s = new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(to, 5001));
            s.Listen(1);
            return s;
        });
        using Socket sender = client.Run(() =>
        {
            var s = new Socket(from.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(from, 0));
            return s;
        });
        Task<(long, byte[])> receive = Task.Run(async () =>
        {
            using Socket accepted = await listener.AcceptAsync(cancel.Token);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] buffer = new byte[65536];
            long total = 0;
            int n;
            while ((n = await accepted.ReceiveAsync(buffer, SocketFlags.None, cancel.Token)) > 0)
            {
                total += n;
                hash.AppendData(buffer, 0, n);
            }

            return (total, hash.GetHashAndReset());
        }, cancel.Token);
        await sender.ConnectAsync(new IPEndPoint(to, 5001), cancel.Token);
        byte[] data = new byte[bytes];
        Random.Shared.NextBytes(data);
        int offset = 0;
        while (offset < data.Length)
        {
            offset += await sender.SendAsync(data.AsMemory(offset), SocketFlags.None, cancel.Token);
        }

        sender.Shutdown(SocketShutdown.Send);
        (long received, byte[] digest) = await receive;
        return (received, digest.AsSpan().SequenceEqual(SHA256.HashData(data)));
    }

    /// <summary>Eight kinds in turn: truncated IKE, garbage, wrong version, wrong length, oversized, IKE with a random
    /// SPI, ESP with an unknown SPI, ESP with the right shape and random contents.</summary>
    private static int Hostile(int n, Random random, byte[] buffer)
    {
        int marker = n % 2 == 0 ? 0 : 4; // on 4500, IKE goes behind the non-ESP marker
        buffer.AsSpan(0, 4).Clear();
        Span<byte> ike = buffer.AsSpan(marker);
        switch ((n / 2) % 8)
        {
            case 0:
                random.NextBytes(ike[..random.Next(1, 28)]);
                return marker + random.Next(1, 28);
            case 1:
                random.NextBytes(ike[..200]);
                return marker + 200;
            case 2:
                Header(ike, random, 0x10, 28 + 40);
                return marker + 28 + 40;
            case 3:
                Header(ike, random, 0x20, 9999);
                return marker + 100;
            case 4:
                Header(ike, random, 0x20, 1500);
                return marker + 1500;
            case 5:
                Header(ike, random, 0x20, 28 + 60);
                return marker + 28 + 60;
            default:
                if (marker == 0)
                {
                    Header(ike, random, 0x20, 28);
                    return 28;
                }

                // ESP (no marker): SPI, sequence, then bytes.
                BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)random.Next(256, int.MaxValue));
                BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), (uint)n);
                random.NextBytes(buffer.AsSpan(8, 120));
                return 128;
        }
    }

    private static void Header(Span<byte> ike, Random random, byte version, int length)
    {
        random.NextBytes(ike[..Math.Min(length, 1400)]);
        ike[17] = version;
        ike[18] = 37; // INFORMATIONAL
        BinaryPrimitives.WriteUInt32BigEndian(ike[24..], (uint)length);
    }

    private static long Sum(JsonElement component, string prefix)
    {
        long total = 0;
        foreach (JsonProperty p in component.EnumerateObject())
        {
            if (p.Name.StartsWith(prefix, StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.Number)
            {
                total += p.Value.GetInt64();
            }
        }

        return total;
    }
}
