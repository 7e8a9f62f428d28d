using System.Net;
using System.Runtime.Versioning;
using System.Text.Json;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// <c>tun.offload</c> end to end: two <c>ipsecfw run</c> daemons with TUN offloads in the namespaces of a
/// <see cref="NetnsTopology"/>, 10 MiB of real TCP from the left inner address to the right one. Every byte must arrive
/// unchanged (compared by SHA-256: the receiving kernel trusts the checksum of merged segments), the sending daemon must
/// have split TSO super-packets and the receiving one merged segments (their <c>tun</c> counters), with no drop.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DaemonTunOffloadTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);
    private static readonly IPAddress s_leftTun = IPAddress.Parse("198.19.1.10");
    private static readonly IPAddress s_rightTun = IPAddress.Parse("198.19.2.10");

    [Fact]
    public async Task Ten_mib_of_tcp_through_two_daemons_with_tun_offload_arrive_intact_as_split_and_merged_segments()
    {
        if (Prerequisites.Root() is { } reason)
        {
            Assert.Skip(reason);
        }

        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        (string rightDir, string rightJson) = DaemonConfigs.Write(pki.IssueHost("right.example.com"), net.Right, net.Left, s_rightTun,
            initiate: false, "left", tunOffload: true);
        (string leftDir, string leftJson) = DaemonConfigs.Write(pki.IssueHost("left.example.com"), net.Left, net.Right, s_leftTun,
            initiate: true, "right", tunOffload: true);
        await using DaemonProcess right = await DaemonProcess.StartAsync(net.Right.Ns, rightDir, rightJson);
        await using DaemonProcess left = await DaemonProcess.StartAsync(net.Left.Ns, leftDir, leftJson);
        (bool up, JsonElement sas) = await left.WaitSasAsync(
            s => s.GetArrayLength() == 1 && s[0].GetProperty("state").GetString() == "established", s_bound);
        Assert.True(up, $"{sas}\n{left.Log}\n{right.Log}");

        const int Bytes = 10 << 20;
        (long received, bool intact) = await DaemonHostileTrafficTests.TcpTransferVerifiedAsync(net.Left.Ns, s_leftTun, net.Right.Ns, s_rightTun, Bytes);

        Assert.Equal(Bytes, received);
        Assert.True(intact, "the bytes that arrived differ from those sent");
        IReadOnlyDictionary<string, long> sender = await left.CountersAsync("tun");
        IReadOnlyDictionary<string, long> receiver = await right.CountersAsync("tun");
        string counters = $"left: {string.Join(", ", sender)}\nright: {string.Join(", ", receiver)}";
        Assert.True(sender["offload"] == 1 && receiver["offload"] == 1, counters);
        Assert.True(sender["offload.super_packets_read"] > 0, counters);
        Assert.True(sender["offload.segments_split"] > sender["offload.super_packets_read"], counters);
        Assert.True(receiver["offload.super_packets_written"] > 0, counters);
        Assert.True(receiver["offload.segments_coalesced"] > receiver["offload.super_packets_written"], counters);
        Assert.All(sender.Concat(receiver).Where(c => c.Key.StartsWith("drops.offload_", StringComparison.Ordinal)), c => Assert.True(c.Value == 0, counters));
    }
}
