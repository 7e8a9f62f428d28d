using System.Globalization;
using System.Net;
using System.Runtime.Versioning;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>
/// Network namespaces for one test, with names unique per test and process (<c>ipsecfw-sw&lt;pid&gt;-&lt;n&gt;-l</c>, ...),
/// joined by veth pairs that are created inside a namespace with the peer moved straight into the other one, so nothing
/// is ever configured in the root namespace and no packet can reach a real interface. Addresses come only from
/// 198.18.0.0/15 (RFC 2544). Inner addresses are /32s on <c>lo</c> (this kernel has no dummy interfaces).
/// <code>
/// pair:  left  vl 198.18.0.1/24 ----------------------------- vr 198.18.0.2/24  right
/// nat:   left  vl 198.18.0.1/24 --- nl 198.18.0.2/24 [nat] nr 198.18.1.1/24 --- vr 198.18.1.2/24  right
///        (left's default route via 198.18.0.2; nftables masquerade out of nr; right has no route back to 198.18.0.0/24)
/// inner: left lo 198.19.1.1/32 (198.19.1.0/24), right lo 198.19.2.1/32 (198.19.2.0/24)
/// collector (AddCollectorAsync): right vc 198.18.2.2/24 ------------ cr 198.18.2.1/24  collector
/// IPv6 (AddIpv6Async, pair only; 2001:2::/48, RFC 5180):
///        left  vl 2001:2::1/64 --------------------------------- vr 2001:2::2/64  right
///        inner: left lo 2001:2:0:1::1/128 (2001:2:0:1::/64), right lo 2001:2:0:2::1/128 (2001:2:0:2::/64)
/// </code>
/// <see cref="DisposeAsync"/> always runs to the end: it kills, by PID, any process still inside one of these
/// namespaces (only our tests start processes there), then deletes the namespaces by name, which destroys the veths.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class NetnsTopology : IAsyncDisposable
{
    /// <summary>The nftables table the NAT namespace gets.</summary>
    public const string NatTable = "ipsecfw_nat";

    private const string Prefix = "ipsecfw-sw";
    private static int s_counter;
    private static readonly Lazy<Task> s_staleSweep = new(SweepStaleAsync);
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(20);
    private readonly List<Netns> _created = [];
    private readonly string _ip;

    private NetnsTopology(string ip, string id)
    {
        _ip = ip;
        Id = id;
    }

    /// <summary>Left's inner address, 198.19.1.1.</summary>
    public static IPAddress LeftInnerAddress { get; } = IPAddress.Parse("198.19.1.1");

    /// <summary>Right's inner address, 198.19.2.1.</summary>
    public static IPAddress RightInnerAddress { get; } = IPAddress.Parse("198.19.2.1");

    /// <summary>The part of the namespace names shared by this topology's namespaces.</summary>
    public string Id { get; }

    /// <summary>The left end (usually the initiator).</summary>
    public NetnsEnd Left { get; private set; } = null!;

    /// <summary>The right end (usually the responder).</summary>
    public NetnsEnd Right { get; private set; } = null!;

    /// <summary>The NAT namespace between them, or null for a plain pair.</summary>
    public Netns? Nat { get; private set; }

    /// <summary>The address right sees left's packets come from: left's own, or the NAT's outside address.</summary>
    public IPAddress LeftAsSeenByRight { get; private set; } = null!;

    /// <summary>All namespaces, for diagnostics.</summary>
    public IReadOnlyList<Netns> Namespaces => _created;

    /// <summary>Two namespaces joined by one veth pair (198.18.0.1/24 — 198.18.0.2/24).</summary>
    public static Task<NetnsTopology> CreatePairAsync() => CreateAsync(nat: false);

    /// <summary>Three namespaces, left — nat — right, with nftables masquerade in the middle (for NAT-T scenarios).</summary>
    public static Task<NetnsTopology> CreateNatAsync() => CreateAsync(nat: true);

    /// <summary>The collector namespace joined to right (<see cref="AddCollectorAsync"/>), or null.</summary>
    public Netns? Collector { get; private set; }

    /// <summary>The collector's address, 198.18.2.1 (right is 198.18.2.2 on that link).</summary>
    public static IPAddress CollectorAddress { get; } = IPAddress.Parse("198.18.2.1");

    /// <summary>
    /// Adds a fourth party, a log collector in a namespace of its own (<c>-c</c>), joined to right by a second veth
    /// pair: right <c>vc</c> 198.18.2.2/24 — collector <c>cr</c> 198.18.2.1/24. Removed with the others.
    /// </summary>
    public async Task<Netns> AddCollectorAsync()
    {
        if (Collector is not null)
        {
            return Collector;
        }

        Netns collector = await AddAsync("c");
        await VethAsync(Right.Ns, "vc", "198.18.2.2/24", collector, "cr", $"{CollectorAddress}/24");
        Collector = collector;
        return collector;
    }

    /// <summary>
    /// Adds IPv6 to a pair (see the picture above): the underlay on the veths and the inner /128s on <c>lo</c>, all with
    /// <c>nodad</c> (usable at once); <see cref="Left"/> and <see cref="Right"/> then carry them
    /// (<see cref="NetnsEnd.Underlay6"/>, <see cref="NetnsEnd.Inner6"/>, <see cref="NetnsEnd.InnerSubnet6"/>).
    /// </summary>
    public async Task AddIpv6Async()
    {
        if (Nat is not null)
        {
            throw new InvalidOperationException("IPv6 is set up for a plain pair only");
        }

        if (Left.Underlay6 is not null)
        {
            return;
        }

        foreach ((NetnsEnd end, string veth, string underlay, string inner) in new[]
        {
            (Left, "vl", "2001:2::1", "2001:2:0:1::1"),
            (Right, "vr", "2001:2::2", "2001:2:0:2::1"),
        })
        {
            await end.Ns.MustExecAsync("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0");
            await end.Ns.MustIpAsync("-6", "addr", "add", $"{underlay}/64", "dev", veth, "nodad");
            await end.Ns.MustIpAsync("-6", "addr", "add", $"{inner}/128", "dev", "lo", "nodad");
        }

        Left = Left with { Underlay6 = IPAddress.Parse("2001:2::1"), Inner6 = IPAddress.Parse("2001:2:0:1::1"), InnerSubnet6 = "2001:2:0:1::/64" };
        Right = Right with { Underlay6 = IPAddress.Parse("2001:2::2"), Inner6 = IPAddress.Parse("2001:2:0:2::1"), InnerSubnet6 = "2001:2:0:2::/64" };
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (Netns ns in _created.AsEnumerable().Reverse())
        {
            await DeleteAsync(_ip, ns.Name);
        }

        _created.Clear();
    }

    private static async Task<NetnsTopology> CreateAsync(bool nat)
    {
        string ip = Prerequisites.IpTool() ?? throw new InvalidOperationException("iproute2 (`ip`) is absent");
        await s_staleSweep.Value;
        int n = Interlocked.Increment(ref s_counter);
        var topology = new NetnsTopology(ip, string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Environment.ProcessId}-{n}"));
        try
        {
            await topology.SetUpAsync(nat);
            return topology;
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }
    }

    private async Task SetUpAsync(bool nat)
    {
        Netns left = await AddAsync("l");
        Netns? middle = nat ? await AddAsync("n") : null;
        Netns right = await AddAsync("r");
        IPAddress leftUl = IPAddress.Parse("198.18.0.1");
        IPAddress rightUl;
        if (middle is null)
        {
            rightUl = IPAddress.Parse("198.18.0.2");
            await VethAsync(left, "vl", "198.18.0.1/24", right, "vr", "198.18.0.2/24");
            LeftAsSeenByRight = leftUl;
        }
        else
        {
            rightUl = IPAddress.Parse("198.18.1.2");
            await VethAsync(left, "vl", "198.18.0.1/24", middle, "nl", "198.18.0.2/24");
            await VethAsync(middle, "nr", "198.18.1.1/24", right, "vr", "198.18.1.2/24");
            await left.MustIpAsync("route", "add", "default", "via", "198.18.0.2", "dev", "vl");
            await middle.MustExecAsync("sysctl", "-qw", "net.ipv4.ip_forward=1");
            // One nft invocation, one argument (no shell): masquerade everything that leaves towards right.
            await middle.MustExecAsync("nft",
                $"add table ip {NatTable}; " +
                $"add chain ip {NatTable} post {{ type nat hook postrouting priority srcnat; policy accept; }}; " +
                $"add rule ip {NatTable} post oifname \"nr\" counter masquerade");
            LeftAsSeenByRight = IPAddress.Parse("198.18.1.1");
            Nat = middle;
        }

        foreach (Netns ns in new[] { left, right })
        {
            // Forwarding and loose reverse-path checks as in the lab (../shared/lab/netns.sh): tunnelled packets come
            // out of the TUN with inner addresses that no route of the veth covers.
            await ns.MustExecAsync("sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
        }

        await left.MustIpAsync("addr", "add", $"{LeftInnerAddress}/32", "dev", "lo");
        await right.MustIpAsync("addr", "add", $"{RightInnerAddress}/32", "dev", "lo");
        Left = new NetnsEnd(left, leftUl, LeftInnerAddress, "198.19.1.0/24");
        Right = new NetnsEnd(right, rightUl, RightInnerAddress, "198.19.2.0/24");
    }

    private async Task<Netns> AddAsync(string role)
    {
        string name = $"{Id}-{role}";
        await DeleteAsync(_ip, name);
        ProcessResult r = await ProcessRunner.RunAsync(_ip, ["netns", "add", name], s_timeout);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"cannot create namespace {name}: {r}");
        }

        var ns = new Netns(_ip, name);
        _created.Add(ns);
        await ns.MustIpAsync("link", "set", "lo", "up");
        return ns;
    }

    private static async Task VethAsync(Netns a, string nameA, string cidrA, Netns b, string nameB, string cidrB)
    {
        await a.MustIpAsync("link", "add", nameA, "type", "veth", "peer", "name", nameB, "netns", b.Name);
        await a.MustIpAsync("addr", "add", cidrA, "dev", nameA);
        await b.MustIpAsync("addr", "add", cidrB, "dev", nameB);
        await a.MustIpAsync("link", "set", nameA, "up");
        await b.MustIpAsync("link", "set", nameB, "up");
    }

    /// <summary>Kills the processes left inside namespace <paramref name="name"/> (by PID) and deletes it; quiet if absent.</summary>
    private static async Task DeleteAsync(string ip, string name)
    {
        if (!File.Exists(Path.Combine("/var/run/netns", name)))
        {
            return;
        }

        ProcessResult pids = await ProcessRunner.RunAsync(ip, ["netns", "pids", name], s_timeout);
        foreach (string pid in pids.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id != Environment.ProcessId)
            {
                await ProcessRunner.RunAsync("kill", ["-KILL", id.ToString(CultureInfo.InvariantCulture)], s_timeout);
            }
        }

        await ProcessRunner.RunAsync(ip, ["netns", "del", name], s_timeout);
    }

    /// <summary>Deletes namespaces of this harness left behind by a test process that no longer runs (a killed test host).</summary>
    private static async Task SweepStaleAsync()
    {
        string? ip = Prerequisites.IpTool();
        if (ip is null || !Directory.Exists("/var/run/netns"))
        {
            return;
        }

        foreach (string path in Directory.GetFiles("/var/run/netns", Prefix + "*"))
        {
            string name = Path.GetFileName(path);
            string digits = new([.. name[Prefix.Length..].TakeWhile(char.IsAsciiDigit)]);
            if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                await DeleteAsync(ip, name);
            }
        }
    }
}
