using System.Globalization;
using System.Net;
using System.Runtime.Versioning;
using System.Text.Json;
using System.Text.RegularExpressions;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// The telecommuter (issue 5): <c>ipsecfw run</c> on a laptop with <c>requestAddress</c> against a gateway that hands
/// out addresses (strongSwan with a pool, then our daemon with <c>pools</c>). Checked from outside: the leased address
/// on the laptop's TUN device, <c>ipsecfw sas</c> on both ends, a ping to the host behind the gateway without naming a
/// source (the kernel must pick the lease, or the gateway's selector check drops it), the Internet route left alone;
/// then fail closed (the gateway stopped by PID: corporate traffic is counted as dropped by the laptop's daemon and
/// never leaves its physical interface in clear, by an nftables counter there) and the reconnection when it is back.
/// The laptop has a default route via the gateway's underlay address, so a leak would find its way.
/// </summary>
[Trait("Category", "Interop")]
[SupportedOSPlatform("linux")]
public sealed class DaemonRoadWarriorTests
{
    private const string LeakTable = "ipsecfw_leak";
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private static readonly IPNetwork s_strongSwanPool = IPNetwork.Parse("198.19.100.16/28");
    private static readonly IPNetwork s_ourPool = IPNetwork.Parse("198.19.128.0/24");
    private static readonly IPAddress s_gatewayTun = IPAddress.Parse("198.19.2.10");
    private static readonly IPAddress s_dns = IPAddress.Parse("198.19.2.53");
    private static readonly IPNetwork s_ourPool6 = IPNetwork.Parse("2001:2:0:80::/64");
    private static readonly IPNetwork s_strongSwanPool6 = IPNetwork.Parse("2001:2:0:90::/120");
    private static readonly IPAddress s_gatewayTun6 = IPAddress.Parse("2001:2:0:2::10");
    private static readonly IPAddress s_dns6 = IPAddress.Parse("2001:2:0:2::53");

    [Fact]
    public async Task The_laptop_gets_its_address_from_a_strongswan_gateway_and_reaches_the_office_from_it()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        TestCertificate laptop = pki.IssueHost("laptop.example.com"), gateway = pki.IssueHost("vpn-gw.example.com");
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Cert(gateway), SwanctlAuth.PeerCert(laptop.Id))
                .WithConnection(c => c with { Pools = "vips" })
                .WithChild(c => c with { RemoteTs = "dynamic" })
                .WithPools(new SwanctlPool("vips", s_strongSwanPool.ToString())) with { Files = pki.SwanctlFiles(gateway) });
        await PrepareLaptopAsync(net);
        (string dir, string json) = DaemonConfigs.WriteLaptop(laptop, net.Left, net.Right);
        await using DaemonProcess daemon = await DaemonProcess.StartAsync(net.Left.Ns, dir, json);

        IPAddress lease = await WaitLeaseAsync(daemon, s_strongSwanPool, StrongSwanInstance.Reports(daemon.Log, sw));
        JsonElement sa = (await daemon.SasAsync())[0];
        Assert.Equal([$"{lease}/32"], Selectors(sa.GetProperty("children")[0], "localSelectors"));
        ProcessResult ping = await PingAsync(net.Left.Ns, net.Right.Inner);
        Assert.True(ping.ExitCode == 0, StrongSwanInstance.Reports($"{ping}\n{daemon.Log}", sw));
        IkeSaStatus theirs = Assert.Single(await sw.ListSasAsync());
        Assert.Equal([lease.ToString()], theirs.RemoteVips);
        Assert.True(Assert.Single(theirs.Children).PacketsIn >= 3, theirs.ToString());

        // No triangle routing: anything else keeps the laptop's default route.
        Assert.Contains("dev vl", await net.Left.Ns.MustIpAsync("route", "get", "198.18.200.1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dual_stack_laptop_gets_an_ipv4_and_an_ipv6_address_from_a_strongswan_gateway_and_reaches_the_office_over_both()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        await net.AddIpv6Async();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        TestCertificate laptop = pki.IssueHost("laptop.example.com"), gateway = pki.IssueHost("vpn-gw.example.com");
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Cert(gateway), SwanctlAuth.PeerCert(laptop.Id))
                .WithConnection(c => c with { Pools = "vips,vips6" })
                .WithChild(c => c with { LocalTs = $"{net.Right.InnerSubnet},{net.Right.InnerSubnet6}", RemoteTs = "dynamic" })
                .WithPools(new SwanctlPool("vips", s_strongSwanPool.ToString()), new SwanctlPool("vips6", s_strongSwanPool6.ToString()))
                with { Files = pki.SwanctlFiles(gateway) });
        await PrepareLaptopAsync(net);
        (string dir, string json) = DaemonConfigs.WriteLaptop(laptop, net.Left, net.Right, ipv6: true);
        await using DaemonProcess daemon = await DaemonProcess.StartAsync(net.Left.Ns, dir, json);

        (bool up, JsonElement sas) = await daemon.WaitSasAsync(
            s => s.EnumerateArray().Any(sa => sa.GetProperty("state").GetString() == "established" && sa.GetProperty("children").GetArrayLength() == 1
                && Strings(sa, "virtualAddresses").Count == 2),
            s_bound);
        Assert.True(up, StrongSwanInstance.Reports($"{sas}\n{daemon.Log}", sw));
        JsonElement ours = sas.EnumerateArray().First(sa => sa.GetProperty("state").GetString() == "established");
        IPAddress lease = IPAddress.Parse(Strings(ours, "virtualAddresses")[0]), lease6 = IPAddress.Parse(Strings(ours, "virtualAddresses")[1]);
        Assert.True(s_strongSwanPool.Contains(lease) && s_strongSwanPool6.Contains(lease6), $"{lease}, {lease6}");
        Assert.Equal([$"{lease}/32", $"{lease6}/128"], Selectors(ours.GetProperty("children")[0], "localSelectors"));
        Assert.True(await WaitAsync(async () => (await Ipv6TunAddressesAsync(net.Left.Ns)).Contains($"inet6 {lease6}/128", StringComparison.Ordinal)),
            StrongSwanInstance.Reports($"{await Ipv6TunAddressesAsync(net.Left.Ns)}\n{daemon.Log}", sw));

        ProcessResult ping6 = await PingAsync(net.Left.Ns, net.Right.Inner6!);
        Assert.True(ping6.ExitCode == 0, StrongSwanInstance.Reports($"{ping6}\n{daemon.Log}", sw));
        ProcessResult ping = await PingAsync(net.Left.Ns, net.Right.Inner);
        Assert.True(ping.ExitCode == 0, StrongSwanInstance.Reports($"{ping}\n{daemon.Log}", sw));
        IkeSaStatus theirs = Assert.Single(await sw.ListSasAsync());
        Assert.Equal(new[] { lease.ToString(), lease6.ToString() }.Order(StringComparer.Ordinal), theirs.RemoteVips.Order(StringComparer.Ordinal));
        Assert.True(Assert.Single(theirs.Children).PacketsIn >= 6, theirs.ToString());
    }

    [Fact]
    public async Task The_laptop_gets_its_address_and_dns_from_our_gateway_with_a_pool()
    {
        SkipUnlessRoot();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        TestCertificate laptopCert = pki.IssueHost("laptop.example.com"), gatewayCert = pki.IssueHost("gw.example.com");
        (string gwDir, string gwJson) = DaemonConfigs.WriteGateway(gatewayCert, net.Right, s_gatewayTun, s_ourPool.ToString(), s_dns);
        await using DaemonProcess gateway = await DaemonProcess.StartAsync(net.Right.Ns, gwDir, gwJson);
        await PrepareLaptopAsync(net);
        (string dir, string json) = DaemonConfigs.WriteLaptop(laptopCert, net.Left, net.Right);
        await using DaemonProcess laptop = await DaemonProcess.StartAsync(net.Left.Ns, dir, json);

        IPAddress lease = await WaitLeaseAsync(laptop, s_ourPool, Reports(laptop, gateway));
        JsonElement ours = (await laptop.SasAsync())[0];
        Assert.Equal([s_dns.ToString()], Strings(ours, "dns"));
        Assert.Contains($"DNS {s_dns}", (await laptop.CliAsync("sas")).StandardOutput, StringComparison.Ordinal);
        (bool leased, JsonElement theirs) = await gateway.WaitSasAsync(
            s => s.GetArrayLength() == 1 && s[0].GetProperty("leasedAddress").GetString() == lease.ToString(), s_bound);
        Assert.True(leased, Reports(theirs, laptop, gateway));
        Assert.Equal([$"{lease}/32"], Selectors(theirs[0].GetProperty("children")[0], "remoteSelectors"));
        Assert.Equal(1, await CounterAsync(gateway, "addresses", "pool.laptops.leased"));

        ProcessResult ping = await PingAsync(net.Left.Ns, net.Right.Inner);
        Assert.True(ping.ExitCode == 0, Reports(ping, laptop, gateway));
        Assert.Equal(0, await CounterAsync(gateway, "datapath", "drops.selector_mismatch"));

        // Stopping the laptop's daemon deletes the SA: the gateway's lease goes back to the pool.
        Assert.True(await laptop.TerminateAsync(s_bound), Reports("the laptop did not stop", laptop, gateway));
        (bool released, theirs) = await gateway.WaitSasAsync(s => s.GetArrayLength() == 0, s_bound);
        Assert.True(released, Reports(theirs, laptop, gateway));
        Assert.Equal(0, await CounterAsync(gateway, "addresses", "pool.laptops.leased"));
    }

    [Fact]
    public async Task A_dual_stack_laptop_gets_an_ipv4_and_an_ipv6_address_from_our_gateway_and_reaches_the_office_over_both()
    {
        SkipUnlessRoot();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        await net.AddIpv6Async();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        TestCertificate laptopCert = pki.IssueHost("laptop.example.com"), gatewayCert = pki.IssueHost("gw.example.com");
        (string gwDir, string gwJson) = DaemonConfigs.WriteGateway(gatewayCert, net.Right, s_gatewayTun, s_ourPool.ToString(), s_dns,
            pool6: s_ourPool6.ToString(), dns6: s_dns6, tunAddress6: s_gatewayTun6);
        await using DaemonProcess gateway = await DaemonProcess.StartAsync(net.Right.Ns, gwDir, gwJson);
        await PrepareLaptopAsync(net);
        await net.Left.Ns.MustIpAsync("-6", "route", "add", "default", "via", net.Right.Underlay6!.ToString(), "dev", "vl");
        (string dir, string json) = DaemonConfigs.WriteLaptop(laptopCert, net.Left, net.Right, ipv6: true);
        await using DaemonProcess laptop = await DaemonProcess.StartAsync(net.Left.Ns, dir, json);

        // RFC 7296 2.19 / 3.15.1: INTERNAL_IP4_ADDRESS and INTERNAL_IP6_ADDRESS asked for, one address of each given.
        (bool up, JsonElement sas) = await laptop.WaitSasAsync(
            s => s.EnumerateArray().Any(sa => sa.GetProperty("state").GetString() == "established" && sa.GetProperty("children").GetArrayLength() == 1
                && Strings(sa, "virtualAddresses").Count == 2),
            s_bound);
        Assert.True(up, Reports(sas, laptop, gateway));
        JsonElement ours = sas.EnumerateArray().First(sa => sa.GetProperty("state").GetString() == "established");
        IPAddress lease = IPAddress.Parse(Strings(ours, "virtualAddresses")[0]), lease6 = IPAddress.Parse(Strings(ours, "virtualAddresses")[1]);
        Assert.True(s_ourPool.Contains(lease) && s_ourPool6.Contains(lease6), $"{lease}, {lease6}");
        Assert.Equal([s_dns.ToString(), s_dns6.ToString()], Strings(ours, "dns"));
        Assert.Equal([$"{lease}/32", $"{lease6}/128"], Selectors(ours.GetProperty("children")[0], "localSelectors"));
        Assert.True(await WaitAsync(async () => (await Ipv6TunAddressesAsync(net.Left.Ns)).Contains($"inet6 {lease6}/128", StringComparison.Ordinal)
                && (await TunAddressesAsync(net.Left.Ns)).Contains($"inet {lease}/32", StringComparison.Ordinal)),
            Reports($"the leases are not on the TUN device: {await TunAddressesAsync(net.Left.Ns)} {await Ipv6TunAddressesAsync(net.Left.Ns)}", laptop, gateway));
        Assert.True(await WaitAsync(async () => (await net.Left.Ns.MustIpAsync("-6", "route", "get", net.Right.Inner6!.ToString())).Contains($"src {lease6}", StringComparison.Ordinal)),
            Reports(await net.Left.Ns.MustIpAsync("-6", "route", "show"), laptop, gateway));

        (bool leased, JsonElement theirs) = await gateway.WaitSasAsync(
            s => s.GetArrayLength() == 1 && Strings(s[0], "leasedAddresses").Count == 2, s_bound);
        Assert.True(leased, Reports(theirs, laptop, gateway));
        Assert.Equal([lease.ToString(), lease6.ToString()], Strings(theirs[0], "leasedAddresses"));
        Assert.Equal([$"{lease}/32", $"{lease6}/128"], Selectors(theirs[0].GetProperty("children")[0], "remoteSelectors"));
        Assert.Equal(1, await CounterAsync(gateway, "addresses", "pool.laptops.leased"));
        Assert.Equal(1, await CounterAsync(gateway, "addresses", "pool.laptops6.leased"));
        Assert.Equal(2, await CounterAsync(laptop, "addresses", "leases.held"));

        // The kernel picks the leases as sources (no -I), and the gateway's selector check accepts them.
        ProcessResult ping = await PingAsync(net.Left.Ns, net.Right.Inner);
        Assert.True(ping.ExitCode == 0, Reports(ping, laptop, gateway));
        ProcessResult ping6 = await PingAsync(net.Left.Ns, net.Right.Inner6!);
        Assert.True(ping6.ExitCode == 0, Reports(ping6, laptop, gateway));
        Assert.Equal(0, await CounterAsync(gateway, "datapath", "drops.selector_mismatch"));
        Assert.Contains("dev vl", await net.Left.Ns.MustIpAsync("-6", "route", "get", "2001:2:0:99::1"), StringComparison.Ordinal);

        // Stopping the laptop's daemon deletes the SA: both leases go back to their pools.
        Assert.True(await laptop.TerminateAsync(s_bound), Reports("the laptop did not stop", laptop, gateway));
        (bool released, theirs) = await gateway.WaitSasAsync(s => s.GetArrayLength() == 0, s_bound);
        Assert.True(released, Reports(theirs, laptop, gateway));
        Assert.Equal(0, await CounterAsync(gateway, "addresses", "pool.laptops.leased"));
        Assert.Equal(0, await CounterAsync(gateway, "addresses", "pool.laptops6.leased"));
    }

    [Fact]
    public async Task With_the_gateway_crashed_office_traffic_is_dropped_not_sent_in_clear_and_the_laptop_reconnects_when_it_is_back()
    {
        SkipUnlessRoot();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        TestCertificate laptopCert = pki.IssueHost("laptop.example.com"), gatewayCert = pki.IssueHost("gw.example.com");
        (string gwDir, string gwJson) = DaemonConfigs.WriteGateway(gatewayCert, net.Right, s_gatewayTun, s_ourPool.ToString(), s_dns);
        await using DaemonProcess gateway = await DaemonProcess.StartAsync(net.Right.Ns, gwDir, gwJson);
        await PrepareLaptopAsync(net);
        // A liveness check after 2 s of silence; no answer for 20 s (two retransmissions, 12 s) and the gateway is dead.
        (string dir, string json) = DaemonConfigs.WriteLaptop(laptopCert, net.Left, net.Right, dpdSeconds: 2, dpdTimeoutSeconds: 20);
        await using DaemonProcess laptop = await DaemonProcess.StartAsync(net.Left.Ns, dir, json);
        IPAddress lease = await WaitLeaseAsync(laptop, s_ourPool, Reports(laptop, gateway));
        Assert.True((await PingAsync(net.Left.Ns, net.Right.Inner)).ExitCode == 0, Reports("no ping through the tunnel", laptop, gateway));

        // The gateway crashes (SIGKILL by PID: no DELETE). While the laptop still believes in its SA, office traffic
        // is encrypted to the dead gateway, not sent in clear; then the liveness check declares the gateway dead.
        Assert.True(await gateway.KillAsync(s_bound), Reports("the gateway did not die", laptop, gateway));
        Assert.NotEqual(0, (await PingAsync(net.Left.Ns, net.Right.Inner)).ExitCode);
        Assert.Equal(0, await LeakedPacketsAsync(net.Left.Ns));
        (bool down, JsonElement sas) = await laptop.WaitSasAsync(s => s.EnumerateArray().All(sa => sa.GetProperty("state").GetString() != "established"), TimeSpan.FromSeconds(40));
        Assert.True(down, Reports(sas, laptop, gateway));
        Assert.True(await WaitAsync(async () => !(await TunAddressesAsync(net.Left.Ns)).Contains(lease.ToString(), StringComparison.Ordinal)),
            Reports("the lease stayed on the TUN device", laptop, gateway));
        Assert.Contains($"dev {DaemonConfigs.Device}", await net.Left.Ns.MustIpAsync("route", "get", net.Right.Inner.ToString()), StringComparison.Ordinal);

        // The peer is trapped (startAction start re-negotiates on traffic): the packets with no SA are held for the
        // acquire (sent encrypted once an SA is up) or dropped, counted either way, and never leave in clear.
        long stoppedBefore = await StoppedAsync(laptop);
        ProcessResult ping = await PingAsync(net.Left.Ns, net.Right.Inner);
        Assert.NotEqual(0, ping.ExitCode);
        Assert.True(await StoppedAsync(laptop) >= stoppedBefore + 3, Reports(ping, laptop));
        Assert.Equal(0, await LeakedPacketsAsync(net.Left.Ns));

        // The gateway comes back; the laptop's daemon gets an address again by itself and traffic flows.
        (string gwDir2, string gwJson2) = DaemonConfigs.WriteGateway(gatewayCert, net.Right, s_gatewayTun, s_ourPool.ToString(), s_dns);
        await using DaemonProcess secondGateway = await DaemonProcess.StartAsync(net.Right.Ns, gwDir2, gwJson2);
        IPAddress again = await WaitLeaseAsync(laptop, s_ourPool, Reports(laptop, secondGateway), TimeSpan.FromSeconds(40));
        ping = await PingAsync(net.Left.Ns, net.Right.Inner);
        Assert.True(ping.ExitCode == 0, Reports(ping, laptop, secondGateway) + $"\nlease {again}");
        Assert.Equal(0, await LeakedPacketsAsync(net.Left.Ns));
    }

    /// <summary>
    /// The laptop's side of the topology: a default route through its physical interface (the "Internet", via the
    /// gateway's underlay address, so a corporate packet that missed the TUN device would reach the office in clear),
    /// and an nftables counter of packets to the office subnet that leave that interface.
    /// </summary>
    private static async Task PrepareLaptopAsync(NetnsTopology net)
    {
        await net.Left.Ns.MustIpAsync("route", "add", "default", "via", net.Right.Underlay.ToString(), "dev", "vl");
        await net.Left.Ns.MustExecAsync("nft",
            $"add table ip {LeakTable}; " +
            $"add chain ip {LeakTable} post {{ type filter hook postrouting priority 0; policy accept; }}; " +
            $"add rule ip {LeakTable} post oifname \"vl\" ip daddr {net.Right.InnerSubnet} counter");
    }

    private static async Task<long> LeakedPacketsAsync(Netns ns)
    {
        string table = await ns.MustExecAsync("nft", "list", "table", "ip", LeakTable);
        Match m = Regex.Match(table, @"counter packets (\d+)");
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : throw new Xunit.Sdk.XunitException(table);
    }

    /// <summary>Waits until the laptop's SA is established with an address from <paramref name="pool"/> on its TUN device (<paramref name="device"/>); returns the address.</summary>
    internal static async Task<IPAddress> WaitLeaseAsync(DaemonProcess laptop, IPNetwork pool, string reports, TimeSpan? bound = null, string device = DaemonConfigs.Device)
    {
        (bool up, JsonElement sas) = await laptop.WaitSasAsync(
            s => s.EnumerateArray().Any(sa => sa.GetProperty("state").GetString() == "established" && sa.GetProperty("children").GetArrayLength() == 1
                && Strings(sa, "virtualAddresses").Count == 1),
            bound ?? s_bound);
        Assert.True(up, $"{sas}\n{reports}");
        JsonElement established = sas.EnumerateArray().First(sa => sa.GetProperty("state").GetString() == "established");
        IPAddress lease = IPAddress.Parse(Strings(established, "virtualAddresses")[0]);
        Assert.True(pool.Contains(lease), $"{lease} is not from {pool}");
        Assert.True(await WaitAsync(async () => (await TunAddressesAsync(laptop.Ns, device)).Contains($"inet {lease}/32", StringComparison.Ordinal)),
            $"{lease} is not on {device}: {await TunAddressesAsync(laptop.Ns, device)}\n{reports}");
        return lease;
    }

    private static async Task<string> TunAddressesAsync(Netns ns, string device = DaemonConfigs.Device) =>
        (await ns.IpAsync("-4", "address", "show", "dev", device)).StandardOutput;

    private static async Task<string> Ipv6TunAddressesAsync(Netns ns) =>
        (await ns.IpAsync("-6", "address", "show", "dev", DaemonConfigs.Device)).StandardOutput;

    /// <summary>Polls <paramref name="condition"/> every 200 ms for at most 10 s.</summary>
    private static async Task<bool> WaitAsync(Func<Task<bool>> condition)
    {
        DateTime until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        bool ok;
        while (!(ok = await condition()) && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
        }

        return ok;
    }

    /// <summary><c>ping</c> without <c>-I</c>: the kernel chooses the source (3 packets, bounded as <see cref="Netns.PingAsync"/>).</summary>
    internal static Task<ProcessResult> PingAsync(Netns ns, IPAddress to) =>
        ns.ExecAsync("ping", ["-n", "-c", "3", "-i", "0.2", "-W", "1", "-w", "4", to.ToString()], TimeSpan.FromSeconds(10));

    /// <summary>Packets the laptop kept from leaving with no SA: dropped as <c>no_sa</c>, held for an acquire, or dropped by it.</summary>
    private static async Task<long> StoppedAsync(DaemonProcess laptop)
    {
        long total = await CounterAsync(laptop, "datapath", "drops.no_sa") + await CounterAsync(laptop, "acquire", "held");
        foreach (string reason in (string[])["acquire_queue_full", "acquire_timeout", "acquire_failed", "acquire_backoff", "acquire_request_lost"])
        {
            total += await CounterAsync(laptop, "acquire", "drops." + reason);
        }

        return total;
    }

    private static async Task<long> CounterAsync(DaemonProcess daemon, string component, string name)
    {
        ProcessResult status = await daemon.CliAsync("status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        using JsonDocument doc = JsonDocument.Parse(status.StandardOutput);
        return doc.RootElement.GetProperty("counters").GetProperty(component).GetProperty(name).GetInt64();
    }

    private static List<string> Strings(JsonElement e, string property) =>
        [.. e.GetProperty(property).EnumerateArray().Select(x => x.GetString()!)];

    private static List<string> Selectors(JsonElement child, string property) => Strings(child, property);

    private static string Reports(object what, params DaemonProcess[] daemons) =>
        $"{what}\n" + string.Join("\n", daemons.Select(d => $"--- ipsecfw in {d.Ns} ---\n{d.Log}"));

    private static void SkipUnlessRoot()
    {
        if (Prerequisites.Root() is { } reason)
        {
            Assert.Skip(reason);
        }
    }
}
