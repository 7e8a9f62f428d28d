using System.Text.Json;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// The on-demand SA against strongSwan: our daemon's peer is a strongSwan 5.9 gateway (kernel-libipsec) with
/// <c>startAction: trap</c>, so nothing is negotiated until the first packet towards strongSwan's inner subnet reaches
/// our TUN device; that packet raises the acquire, our daemon initiates, and the echo requests held meanwhile are sent
/// on the new CHILD_SA and answered from behind strongSwan. Checked on both sides: <c>ipsecfw sas --json</c> and the
/// <c>acquire</c> counters on ours, <c>swanctl --list-sas</c> (same IKE SPIs, the CHILD_SA's packet counters) on theirs.
/// </summary>
public sealed partial class DaemonAcquireTests
{
    [Fact]
    public async Task A_trap_peer_negotiates_with_strongswan_on_the_first_ping_and_the_held_requests_are_answered()
    {
        Preconditions.SkipUnlessStrongSwan();
        await using NetnsTopology net = await NetnsTopology.CreatePairAsync();
        using TestPki pki = TestPki.Create(PkiKeyType.EcdsaP256);
        TestCertificate ours = pki.IssueHost("mail-gw.example.com"), theirs = pki.IssueHost("vpn-gw.example.com");
        await using StrongSwanInstance sw = await StrongSwanInstance.StartAsync(net.Right.Ns,
            SwanctlConfig.NetToNet(net.Right, net.Left, SwanctlAuth.Cert(theirs), SwanctlAuth.PeerCert(ours.Id)) with { Files = pki.SwanctlFiles(theirs) });
        (string dir, string json) = DaemonConfigs.WritePeer(ours, net.Left, net.Right, s_leftTun, "trap", "strongswan",
            protectPeerAddress: false, [net.Left.InnerSubnet], [net.Right.InnerSubnet]);
        await using DaemonProcess daemon = await DaemonProcess.StartAsync(net.Left.Ns, dir, json);

        // Trapped, not negotiated: no SA on either side, nothing raised, the route already in our device.
        Assert.Equal(0, (await daemon.SasAsync()).GetArrayLength());
        Assert.Equal(0, (await daemon.CountersAsync("acquire"))["acquires"]);
        Assert.Empty(await sw.ListSasAsync());
        Assert.Contains(net.Right.InnerSubnet, await net.Left.Ns.MustIpAsync("route", "show", "dev", DaemonConfigs.Device), StringComparison.Ordinal);

        // Echo requests a second apart to an address behind strongSwan until three answers came, for at most 20 s.
        ProcessResult ping = await net.Left.Ns.ExecAsync("ping",
            ["-n", "-c", "3", "-i", "1", "-w", "20", "-I", s_leftTun.ToString(), net.Right.Inner.ToString()], TimeSpan.FromSeconds(30));
        Assert.True(ping.ExitCode == 0, StrongSwanInstance.Reports(Reports(ping, daemon), sw));
        SortedSet<int> answered = AnsweredSequences(ping.StandardOutput);

        (bool up, JsonElement sas) = await daemon.WaitSasAsync(Established, s_bound);
        Assert.True(up, StrongSwanInstance.Reports(Reports(sas, daemon), sw));
        Assert.True(sas[0].GetProperty("initiator").GetBoolean());
        IReadOnlyDictionary<string, long> acquire = await daemon.CountersAsync("acquire");
        string counters = $"{ping}\nacquire: {Show(acquire)}";
        Assert.True(acquire["acquires"] == 1, StrongSwanInstance.Reports(Reports(counters, daemon), sw));
        Assert.True(acquire["held"] >= 1 && acquire["released"] == acquire["held"], StrongSwanInstance.Reports(Reports(counters, daemon), sw));
        Assert.True(acquire["drops.acquire_queue_full"] + acquire["drops.acquire_timeout"] + acquire["drops.acquire_failed"]
            + acquire["drops.acquire_backoff"] + acquire["drops.acquire_request_lost"] == 0, StrongSwanInstance.Reports(Reports(counters, daemon), sw));
        Assert.True(answered.IsSupersetOf([1, 2, 3]), StrongSwanInstance.Reports(Reports($"answered: {string.Join(',', answered)}\n{counters}", daemon), sw));

        // strongSwan's side: the IKE SA we initiated, and the echo requests arrived on its CHILD_SA.
        IkeSaStatus their = Assert.Single(await sw.ListSasAsync());
        Assert.Equal("ESTABLISHED", their.State);
        Assert.Equal(sas[0].GetProperty("initiatorSpi").GetString(), their.InitiatorSpi);
        Assert.Equal(ours.Id, their.RemoteId);
        ChildSaStatus child = their.Child(SwanctlConfig.DefaultChild) ?? throw new Xunit.Sdk.XunitException(their.ToString());
        Assert.Equal(sas[0].GetProperty("children")[0].GetProperty("outboundSpi").GetString(), child.SpiIn);
        Assert.True(child.PacketsIn >= 3 && child.PacketsOut >= 3, child.ToString());
    }
}
