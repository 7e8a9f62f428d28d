using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography.X509Certificates;
using IpsecFw.Ike.Auth;
using IpsecFw.Ike.Sa;
using IpsecFw.InteropTests.Ike;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;
using static System.FormattableString;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// Issue 6 item 6: an IP fragment flood and overlapping, tiny and oversized fragments against the reassembly of a
/// running `ipsecfw run`, as inner packets through its SA. The peer in the left namespace is our endpoint without the
/// per-packet policy (<see cref="OurIkeEndpoint"/>: IKE, ESP, a TUN device), because a peer daemon reassembles on its
/// own outbound path and would never pass fragments on; ours, like the Linux kernel or strongSwan, encrypts what its
/// TUN device gives it. A raw socket in the left namespace writes IPv4 fragments towards the right daemon's tunnel
/// address, the route takes them into the TUN device and through the SA, and the right daemon's inbound reassembler
/// meets them. Bounded: 200 crafted fragments, then at most 20,000 never-completed first fragments at most 10,000 a
/// second for at most 5 s. The daemon stays up, its RSS within 100 MiB of idle, a ping and a 1 MiB TCP transfer pass
/// afterwards, and `ipsecfw status` counts each drop by reason (<c>datapath.fragments.*</c>).
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
[Collection(DaemonLoadCollection.Name)]
public sealed class DaemonFragmentFloodTests
{
    private const long RssBoundKib = 100 * 1024;
    private const int FloodCount = 20_000, FloodRate = 10_000, Crafted = 50;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(25);
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");

    [Fact]
    public async Task A_fragment_flood_with_overlapping_tiny_and_oversized_fragments_is_counted_and_the_sa_keeps_passing_traffic()
    {
        if (Prerequisites.Root() is { } reason)
        {
            Assert.Skip(reason);
        }

        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left");
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        TestCertificate leftCert = pki.IssueHost("left.example.com");
        using LocalCredentials creds = LocalCredentials.FromKey(leftCert.Certificate.RawData, leftCert.Certificate.GetECDsaPrivateKey()!);
        var auth = new CertificateAuthenticator(creds, TrustStore.FromDer([pki.Ca.RawData]), new CertificateAuthenticatorOptions { Revocation = RevocationPolicy.None });
        await using OurIkeEndpoint left = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet);
        await left.InitiateAsync(Interop.Config(auth, net.Left, net.Right), net.Right.Underlay);
        IkeSa? sa = await left.WaitEstablishedAsync(s_bound);
        Assert.True(sa is not null, left.Report() + "\n" + right.Log);
        IPAddress from = net.Left.Inner;
        ProcessResult warm = await net.Left.Ns.PingAsync(from, s_rightTun, count: 2);
        Assert.True(warm.ExitCode == 0, $"{warm}\n{left.Report()}\n{right.Log}");
        long idle = right.RssKib();
        IReadOnlyDictionary<string, long> before = await right.CountersAsync("datapath");

        // Crafted first: each kind from its own sources, before the flood fills the table.
        (long crafted, long floodSent, double floodSeconds, long failures) = net.Left.Ns.Run(() => Send(s_rightTun));
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Assert.False(right.HasExited, right.Log);
        long peak = right.RssKib();

        ProcessResult ping = await net.Left.Ns.PingAsync(from, s_rightTun, count: 3);
        Assert.True(ping.ExitCode == 0, $"{ping}\n{left.Report()}\n{right.Log}");
        long transferred = await DaemonHostileTrafficTests.TcpTransferAsync(net.Left.Ns, from, net.Right.Ns, s_rightTun, 1 << 20);
        Assert.Equal(1 << 20, transferred);

        IReadOnlyDictionary<string, long> after = await right.CountersAsync("datapath");
        long Delta(string key) => after.GetValueOrDefault(key) - before.GetValueOrDefault(key);
        long limits = Delta("fragments.persourcelimit") + Delta("fragments.tablefull") + Delta("fragments.memorylimit");
        string figures = Invariant($"{crafted} crafted fragments, then {floodSent} never-completed first fragments in {floodSeconds:F1} s = {floodSent / floodSeconds:F0}/s ") +
            Invariant($"({failures} refused by the sender's stack); the left endpoint sent {left.Counters.OutboundPackets} ESP; RSS idle {idle / 1024} MiB, peak {peak / 1024} MiB\n") +
            string.Join(", ", after.Where(kv => kv.Key.StartsWith("fragments.", StringComparison.Ordinal) || kv.Key.Contains("fragment", StringComparison.Ordinal) || kv.Key.StartsWith("packets.", StringComparison.Ordinal))
                .Select(kv => $"{kv.Key}+{Delta(kv.Key)}"));
        TestContext.Current.TestOutputHelper?.WriteLine(figures);
        Assert.True(Delta("fragments.overlap") > 0, figures);
        Assert.True(Delta("fragments.tinyfragment") > 0, figures);
        Assert.True(Delta("fragments.toobig") > 0, figures);
        Assert.True(limits > 0, figures);
        Assert.True(Delta("drops.fragment_dropped_in") > 0, figures);
        Assert.True(peak - idle < RssBoundKib, figures);
        GC.KeepAlive(sa);
    }

    /// <summary>
    /// Writes, from inside the left namespace: <see cref="Crafted"/> overlapping pairs, tiny TCP first fragments and
    /// fragments past 65,535 bytes, each from its own source in 198.19.1.0/24; then the flood of never-completed first
    /// fragments (UDP, 64 bytes of data, More Fragments set) with a new ID each, from 100 sources in turn.
    /// </summary>
    private static (long Crafted, long Sent, double Seconds, long Failures) Send(IPAddress target)
    {
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Raw);
        var to = new IPEndPoint(target, 0);
        byte[] packet = new byte[20 + 128];
        long crafted = 0, failures = 0;
        void Emit(int length)
        {
            try
            {
                raw.SendTo(packet.AsSpan(0, length), SocketFlags.None, to);
            }
            catch (SocketException)
            {
                failures++;
            }
        }

        for (int i = 0; i < Crafted; i++)
        {
            // Overlap: [0, 64) then [32, 96) with other bytes, from 198.19.1.(10 + i).
            int length = Fragment(packet, target, Source(10 + i), (ushort)(1000 + i), ProtocolType.Udp, 0, more: true, 64, 0xAA);
            Emit(length);
            Emit(Fragment(packet, target, Source(10 + i), (ushort)(1000 + i), ProtocolType.Udp, 32, more: true, 64, 0xBB));
            // Tiny: a first TCP fragment of 8 bytes (ports and sequence number only), from 198.19.1.(70 + i).
            Emit(Fragment(packet, target, Source(70 + i), (ushort)(2000 + i), ProtocolType.Tcp, 0, more: true, 8, 0xCC));
            // Oversized: a last fragment at 65,472 with 96 bytes, past the 65,535 an IPv4 datagram can hold, from 198.19.1.(130 + i).
            Emit(Fragment(packet, target, Source(130 + i), (ushort)(3000 + i), ProtocolType.Udp, 65_472, more: false, 96, 0xDD));
            crafted += 4;
        }

        long sent = 0;
        var watch = Stopwatch.StartNew();
        while (sent < FloodCount && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            Emit(Fragment(packet, target, Source(150 + (int)(sent % 100)), (ushort)(4000 + (sent % 60_000)), ProtocolType.Udp, 0, more: true, 64, 0xEE));
            sent++;
            while (sent > FloodRate * watch.Elapsed.TotalSeconds)
            {
                Thread.Sleep(1);
            }
        }

        return (crafted, sent, watch.Elapsed.TotalSeconds, failures);
    }

    private static uint Source(int host) => 0xC6130100u | (uint)(host & 0xFF); // 198.19.1.host

    /// <summary>An IPv4 fragment (the kernel fills the total length and the header checksum, raw(7)); returns its length.</summary>
    private static int Fragment(byte[] packet, IPAddress target, uint source, ushort id, ProtocolType protocol, int offset, bool more, int dataLength, byte fill)
    {
        Span<byte> p = packet.AsSpan(0, 20 + dataLength);
        p.Clear();
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p[2..], (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(p[6..], (ushort)((more ? 0x2000 : 0) | (offset / 8)));
        p[8] = 64;
        p[9] = (byte)protocol;
        BinaryPrimitives.WriteUInt32BigEndian(p[12..], source);
        target.TryWriteBytes(p[16..], out _);
        p[20..].Fill(fill);
        if (offset == 0)
        {
            // The transport header's ports (and for UDP its length: the whole datagram would be larger than this fragment).
            BinaryPrimitives.WriteUInt16BigEndian(p[20..], 40000);
            BinaryPrimitives.WriteUInt16BigEndian(p[22..], 9);
        }

        return p.Length;
    }
}
