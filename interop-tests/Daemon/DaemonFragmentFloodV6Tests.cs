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
/// Issue 6 item 6 for IPv6: <see cref="DaemonFragmentFloodTests"/> with inner IPv6 fragments (the Fragment extension
/// header, RFC 8200 4.5) through the SA. The topology gets IPv6 (<see cref="NetnsTopology.AddIpv6Async"/>); the right
/// daemon's TUN device has 2001:2:0:2::10 and the SA's selectors hold both ends' IPv6 /64s. A raw IPv6 socket in the
/// left namespace (IPPROTO_RAW: the header is ours, raw(7)/ipv6(7)) writes fragments towards that address, the route
/// takes them into the left endpoint's TUN device and through the SA, and the right daemon's inbound reassembler
/// (<c>FragmentReassembler.V6</c>) meets them. Bounded: 200 crafted fragments, then at most 20,000 never-completed
/// first fragments at most 10,000 a second for at most 5 s. The daemon stays up, its RSS within 100 MiB of idle, a
/// <c>ping -6</c> and a 1 MiB TCP transfer over IPv6 pass afterwards, and <c>ipsecfw status</c> counts each drop by
/// reason (<c>datapath.fragments.*</c>).
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
[Collection(DaemonLoadCollection.Name)]
public sealed class DaemonFragmentFloodV6Tests
{
    private const long RssBoundKib = 100 * 1024;
    private const int FloodCount = 20_000, FloodRate = 10_000, Crafted = 50;
    private const int V6Header = 40, FragmentHeader = 8;
    private const byte FragmentNextHeader = 44;
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(25);
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");
    private static readonly IPAddress s_rightTun6 = IPAddress.Parse("2001:2:0:2::10");

    [Fact]
    public async Task An_ipv6_fragment_flood_with_overlapping_tiny_and_oversized_fragments_is_counted_and_the_sa_keeps_passing_traffic()
    {
        if (Prerequisites.Root() is { } reason)
        {
            Assert.Skip(reason);
        }

        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        await net.AddIpv6Async();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun, initiate: false, "left",
            tunAddress6: s_rightTun6);
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        TestCertificate leftCert = pki.IssueHost("left.example.com");
        using LocalCredentials creds = LocalCredentials.FromKey(leftCert.Certificate.RawData, leftCert.Certificate.GetECDsaPrivateKey()!);
        var auth = new CertificateAuthenticator(creds, TrustStore.FromDer([pki.Ca.RawData]), new CertificateAuthenticatorOptions { Revocation = RevocationPolicy.None });
        await using OurIkeEndpoint left = await OurIkeEndpoint.StartAsync(net.Left, net.Right.InnerSubnet);
        await net.Left.Ns.MustIpAsync("-6", "route", "add", net.Right.InnerSubnet6!, "dev", OurIkeEndpoint.DeviceName, "src", net.Left.Inner6!.ToString());
        await left.InitiateAsync(Interop.Config(auth, net.Left, net.Right) with
        {
            LocalTrafficSelectors = [Interop.Selector(net.Left.InnerSubnet), Interop.Selector(net.Left.InnerSubnet6!)],
            RemoteTrafficSelectors = [Interop.Selector(net.Right.InnerSubnet), Interop.Selector(net.Right.InnerSubnet6!)],
        }, net.Right.Underlay);
        IkeSa? sa = await left.WaitEstablishedAsync(s_bound);
        Assert.True(sa is not null, left.Report() + "\n" + right.Log);
        IPAddress from = net.Left.Inner6!;
        ProcessResult warm = await net.Left.Ns.PingAsync(from, s_rightTun6, count: 2);
        Assert.True(warm.ExitCode == 0, $"{warm}\n{left.Report()}\n{right.Log}");
        long idle = right.RssKib();
        IReadOnlyDictionary<string, long> before = await right.CountersAsync("datapath");

        // Crafted first: each kind from its own sources, before the flood fills the table.
        (long crafted, long floodSent, double floodSeconds, long failures) = net.Left.Ns.Run(() => Send(s_rightTun6));
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Assert.False(right.HasExited, right.Log);
        long peak = right.RssKib();

        ProcessResult ping = await net.Left.Ns.PingAsync(from, s_rightTun6, count: 3);
        Assert.True(ping.ExitCode == 0, $"{ping}\n{left.Report()}\n{right.Log}");
        long transferred = await DaemonHostileTrafficTests.TcpTransferAsync(net.Left.Ns, from, net.Right.Ns, s_rightTun6, 1 << 20);
        Assert.Equal(1 << 20, transferred);

        IReadOnlyDictionary<string, long> after = await right.CountersAsync("datapath");
        long Delta(string key) => after.GetValueOrDefault(key) - before.GetValueOrDefault(key);
        long limits = Delta("fragments.persourcelimit") + Delta("fragments.tablefull") + Delta("fragments.memorylimit");
        string figures = Invariant($"IPv6: {crafted} crafted fragments, then {floodSent} never-completed first fragments in {floodSeconds:F1} s = {floodSent / floodSeconds:F0}/s ") +
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
    /// fragments past a 65,535-byte payload, each from its own source in 2001:2:0:1::/64; then the flood of
    /// never-completed first fragments (UDP, 64 bytes of data, M set) with a new Identification each, from 100 sources in turn.
    /// </summary>
    private static (long Crafted, long Sent, double Seconds, long Failures) Send(IPAddress target)
    {
        // IPPROTO_RAW on AF_INET6 implies IPV6_HDRINCL: the packet is sent as written (ipv6(7)).
        using var raw = new Socket(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.Raw);
        var to = new IPEndPoint(target, 0);
        byte[] packet = new byte[V6Header + FragmentHeader + 128];
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
            // Overlap (RFC 5722): [0, 64) then [32, 96) with other bytes, from 2001:2:0:1::(10 + i).
            Emit(Fragment(packet, target, 10 + i, (uint)(1000 + i), ProtocolType.Udp, 0, more: true, 64, 0xAA));
            Emit(Fragment(packet, target, 10 + i, (uint)(1000 + i), ProtocolType.Udp, 32, more: true, 64, 0xBB));
            // Tiny (RFC 7112): a first TCP fragment of 8 bytes, without the whole TCP header, from 2001:2:0:1::(70 + i).
            Emit(Fragment(packet, target, 70 + i, (uint)(2000 + i), ProtocolType.Tcp, 0, more: true, 8, 0xCC));
            // Oversized: a last fragment at 65,472 with 96 bytes, a payload past 65,535 (RFC 8200 4.5), from 2001:2:0:1::(130 + i).
            Emit(Fragment(packet, target, 130 + i, (uint)(3000 + i), ProtocolType.Udp, 65_472, more: false, 96, 0xDD));
            crafted += 4;
        }

        long sent = 0;
        var watch = Stopwatch.StartNew();
        while (sent < FloodCount && watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            Emit(Fragment(packet, target, 150 + (int)(sent % 100), (uint)(4000 + sent), ProtocolType.Udp, 0, more: true, 64, 0xEE));
            sent++;
            while (sent > FloodRate * watch.Elapsed.TotalSeconds)
            {
                Thread.Sleep(1);
            }
        }

        return (crafted, sent, watch.Elapsed.TotalSeconds, failures);
    }

    /// <summary>
    /// An IPv6 packet with a Fragment header (RFC 8200 4.5) from 2001:2:0:1::<paramref name="host"/> (hex) to
    /// <paramref name="target"/>; returns its length.
    /// </summary>
    private static int Fragment(byte[] packet, IPAddress target, int host, uint id, ProtocolType protocol, int offset, bool more, int dataLength, byte fill)
    {
        Span<byte> p = packet.AsSpan(0, V6Header + FragmentHeader + dataLength);
        p.Clear();
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p[4..], (ushort)(FragmentHeader + dataLength));
        p[6] = FragmentNextHeader;
        p[7] = 64;
        BinaryPrimitives.WriteUInt64BigEndian(p[8..], 0x2001_0002_0000_0001UL); // 2001:2:0:1::/64
        BinaryPrimitives.WriteUInt64BigEndian(p[16..], (ulong)host);
        target.TryWriteBytes(p[24..], out _);
        Span<byte> fragment = p.Slice(V6Header, FragmentHeader);
        fragment[0] = (byte)protocol;
        BinaryPrimitives.WriteUInt16BigEndian(fragment[2..], (ushort)(((offset / 8) << 3) | (more ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(fragment[4..], id);
        Span<byte> data = p[(V6Header + FragmentHeader)..];
        data.Fill(fill);
        if (offset == 0 && dataLength >= 4)
        {
            // The transport header's ports (for UDP the length field claims more than this fragment holds).
            BinaryPrimitives.WriteUInt16BigEndian(data, 40000);
            BinaryPrimitives.WriteUInt16BigEndian(data[2..], 9);
        }

        return p.Length;
    }
}
