using System.Net;
using System.Runtime.Versioning;
using System.Text.Json;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// The responder's peer chosen at IKE_AUTH by the identity the initiator claims in IDi (RFC 7296 2.15,
/// <c>ResponderIdentityChooser</c>), between running daemons: one gateway with two responder-only peers that differ only
/// in <c>remoteId</c> (an exact DN, and a <c>*.</c> suffix) and in their address pool, so the inside address each
/// initiator gets says which peer answered it. Two laptops in one namespace, on two addresses of one network, with
/// certificates of different names, are up at the same time: each gets its own peer (peer name, identity and lease on
/// the gateway's <c>ipsecfw sas --json</c>) and pings the office through its own SA. A third, whose name no
/// <c>remoteId</c> accepts, is refused with AUTHENTICATION_FAILED and counted as <c>auth_failed.no_matching_peer</c>.
/// The laptops share the namespace, so each has its own TUN device and office route, and no nftables table.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DaemonIdentityChoiceTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);
    private static readonly IPNetwork s_alphaPool = IPNetwork.Parse("198.19.10.0/28");
    private static readonly IPNetwork s_betaPool = IPNetwork.Parse("198.19.20.0/28");
    private static readonly IPAddress s_gatewayTun = IPAddress.Parse("198.19.2.10");
    private static readonly IPAddress s_dns = IPAddress.Parse("198.19.2.53");
    private static readonly IPAddress s_betaTarget = IPAddress.Parse("198.19.2.130");
    private static readonly IPAddress s_betaUnderlay = IPAddress.Parse("198.18.0.11");
    private static readonly IPAddress s_gammaUnderlay = IPAddress.Parse("198.18.0.12");

    [Fact]
    public async Task Two_laptops_on_one_network_each_get_the_peer_their_identity_names_and_a_third_is_refused()
    {
        if (Prerequisites.Root() is { } reason)
        {
            Assert.Skip(reason);
        }

        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        TestCertificate alphaCert = pki.IssueHost("laptop.alpha.example.com"), betaCert = pki.IssueHost("laptop.beta.example.com"),
            gammaCert = pki.IssueHost("laptop.gamma.example.com");
        // alpha by its exact subject DN (written as docs/configuration.md says, most specific RDN first), beta by a DNS
        // suffix of its CN; gamma fits neither.
        (string gwDir, string gwJson) = DaemonConfigs.WriteGateway(pki.IssueHost("gw.example.com"), net.Right, s_gatewayTun,
            [new GatewayPeer("alpha", "CN=laptop.alpha.example.com, O=Example, C=US", s_alphaPool.ToString()), new GatewayPeer("beta", "*.beta.example.com", s_betaPool.ToString())], s_dns);
        await using DaemonProcess gateway = await DaemonProcess.StartAsync(net.Right.Ns, gwDir, gwJson);

        // beta's office host: a second inner address of the gateway, in the half of the office /24 beta routes.
        await net.Right.Ns.MustIpAsync("addr", "add", $"{s_betaTarget}/32", "dev", "lo");
        await net.Left.Ns.MustIpAsync("addr", "add", $"{s_betaUnderlay}/24", "dev", "vl");
        await net.Left.Ns.MustIpAsync("addr", "add", $"{s_gammaUnderlay}/24", "dev", "vl");
        NetnsEnd betaEnd = net.Left with { Underlay = s_betaUnderlay }, gammaEnd = net.Left with { Underlay = s_gammaUnderlay };
        (string aDir, string aJson) = DaemonConfigs.WriteLaptop(alphaCert, net.Left, net.Right, device: "ipsecfw0", remoteSubnet: "198.19.2.0/25", nftables: false);
        (string bDir, string bJson) = DaemonConfigs.WriteLaptop(betaCert, betaEnd, net.Right, device: "ipsecfw1", remoteSubnet: "198.19.2.128/25", nftables: false);
        await using DaemonProcess alpha = await DaemonProcess.StartAsync(net.Left.Ns, aDir, aJson);
        await using DaemonProcess beta = await DaemonProcess.StartAsync(net.Left.Ns, bDir, bJson);

        IPAddress alphaLease = await DaemonRoadWarriorTests.WaitLeaseAsync(alpha, s_alphaPool, Reports("alpha", alpha, gateway), s_bound, "ipsecfw0");
        IPAddress betaLease = await DaemonRoadWarriorTests.WaitLeaseAsync(beta, s_betaPool, Reports("beta", beta, gateway), s_bound, "ipsecfw1");

        // The gateway: both SAs at once, each under the peer its identity chose, with a lease from that peer's pool.
        (bool both, JsonElement sas) = await gateway.WaitSasAsync(s => Established(s).Count == 2, s_bound);
        Assert.True(both, Reports(sas, alpha, beta, gateway));
        JsonElement alphaSa = Assert.Single(Established(sas), sa => sa.GetProperty("peerName").GetString() == "alpha");
        JsonElement betaSa = Assert.Single(Established(sas), sa => sa.GetProperty("peerName").GetString() == "beta");
        Assert.Equal(alphaLease.ToString(), alphaSa.GetProperty("leasedAddress").GetString());
        Assert.Equal(betaLease.ToString(), betaSa.GetProperty("leasedAddress").GetString());
        Assert.Contains("CN=laptop.alpha.example.com", alphaSa.GetProperty("peerIdentity").GetString(), StringComparison.Ordinal);
        Assert.Contains("CN=laptop.beta.example.com", betaSa.GetProperty("peerIdentity").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"{net.Left.Underlay}:", alphaSa.GetProperty("peerAddress").GetString(), StringComparison.Ordinal);
        Assert.StartsWith($"{s_betaUnderlay}:", betaSa.GetProperty("peerAddress").GetString(), StringComparison.Ordinal);
        Assert.Contains("peer 'beta' chosen by the identity", gateway.Log, StringComparison.Ordinal);

        // Each pings through its own SA, from its own lease (the kernel picks the TUN device's address).
        ProcessResult ping = await DaemonRoadWarriorTests.PingAsync(net.Left.Ns, net.Right.Inner);
        Assert.True(ping.ExitCode == 0, Reports(ping, alpha, beta, gateway));
        ping = await DaemonRoadWarriorTests.PingAsync(net.Left.Ns, s_betaTarget);
        Assert.True(ping.ExitCode == 0, Reports(ping, alpha, beta, gateway));
        IReadOnlyDictionary<string, long> ike = await gateway.CountersAsync("ike");
        Assert.Equal(0, ike["auth_failed"]);

        // gamma: no remoteId accepts laptop.gamma.example.com. AUTHENTICATION_FAILED on the wire, counted by reason.
        (string gDir, string gJson) = DaemonConfigs.WriteLaptop(gammaCert, gammaEnd, net.Right, device: "ipsecfw2", remoteSubnet: "198.19.3.0/24", nftables: false);
        await using DaemonProcess gamma = await DaemonProcess.StartAsync(net.Left.Ns, gDir, gJson);
        DateTime until = DateTime.UtcNow + s_bound;
        while (DateTime.UtcNow < until && (await gateway.CountersAsync("ike")).GetValueOrDefault("auth_failed.no_matching_peer") == 0)
        {
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }

        ike = await gateway.CountersAsync("ike");
        Assert.True(ike.GetValueOrDefault("auth_failed.no_matching_peer") >= 1, Reports(string.Join(", ", ike.Select(kv => $"{kv.Key}={kv.Value}")), gamma, gateway));
        Assert.Equal(ike["auth_failed"], ike["auth_failed.no_matching_peer"]);
        Assert.Contains("no configured peer accepts the identity", gateway.Log, StringComparison.Ordinal);
        Assert.True(await WaitLogAsync(gamma, nameof(IpsecFw.Ike.Messages.NotifyType.AuthenticationFailed)), Reports("gamma did not log the refusal", gamma, gateway));
        Assert.DoesNotContain((await gamma.SasAsync()).EnumerateArray(), sa => sa.GetProperty("state").GetString() == "established");

        // The refusal touched neither SA: both still carry traffic.
        sas = await gateway.SasAsync();
        Assert.Equal(2, Established(sas).Count);
        ping = await DaemonRoadWarriorTests.PingAsync(net.Left.Ns, s_betaTarget);
        Assert.True(ping.ExitCode == 0, Reports(ping, beta, gateway));
    }

    private static List<JsonElement> Established(JsonElement sas) =>
        [.. sas.EnumerateArray().Where(sa => sa.GetProperty("state").GetString() == "established" && sa.GetProperty("children").GetArrayLength() == 1)];

    private static async Task<bool> WaitLogAsync(DaemonProcess daemon, string text)
    {
        DateTime until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!daemon.Log.Contains(text, StringComparison.Ordinal) && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
        }

        return daemon.Log.Contains(text, StringComparison.Ordinal);
    }

    private static string Reports(object what, params DaemonProcess[] daemons) =>
        $"{what}\n" + string.Join("\n", daemons.Select(d => $"--- ipsecfw in {d.Ns} ---\n{d.Log}"));
}
