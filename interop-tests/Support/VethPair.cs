namespace IpsecFw.InteropTests.Support;

/// <summary>
/// Two network namespaces of this test run, <c>ipsecfw-a-&lt;pid&gt;</c> and <c>ipsecfw-b-&lt;pid&gt;</c>, joined by a veth
/// pair with fixed MAC addresses and the addresses 198.18.0.1/24 and 198.18.0.2/24 (RFC 2544 benchmarking space).
/// IPv6 is disabled on both sides, so the kernel sends no neighbour discovery, MLD or router solicitations to any
/// address: IPv6 test packets are injected as whole frames and carry only 2001:2::/48 (RFC 5180) addresses. Dispose
/// deletes both namespaces, which also destroys the veth pair.
/// </summary>
public sealed class VethPair : IAsyncDisposable
{
    /// <summary>The interface in namespace A.</summary>
    public const string InterfaceA = "veth-a";

    /// <summary>The interface in namespace B.</summary>
    public const string InterfaceB = "veth-b";

    /// <summary>Locally administered MAC of veth-a.</summary>
    public static readonly byte[] MacA = [0x02, 0x00, 0x00, 0x00, 0x0a, 0x01];

    /// <summary>Locally administered MAC of veth-b.</summary>
    public static readonly byte[] MacB = [0x02, 0x00, 0x00, 0x00, 0x0b, 0x01];

    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(20);
    private readonly string _ip;
    private readonly List<string> _created = [];

    private VethPair(string ip, string namespaceA, string namespaceB)
    {
        _ip = ip;
        NamespaceA = namespaceA;
        NamespaceB = namespaceB;
    }

    /// <summary>Namespace A (the sender).</summary>
    public string NamespaceA { get; }

    /// <summary>Namespace B (the capture side).</summary>
    public string NamespaceB { get; }

    /// <summary>Address of veth-a.</summary>
    public static string AddressA => "198.18.0.1";

    /// <summary>Address of veth-b.</summary>
    public static string AddressB => "198.18.0.2";

    /// <summary>Creates the namespaces and the veth pair, and waits until both ends are up.</summary>
    public static async Task<VethPair> CreateAsync(string ip)
    {
        int pid = Environment.ProcessId;
        var pair = new VethPair(ip, $"ipsecfw-a-{pid}", $"ipsecfw-b-{pid}");
        try
        {
            await pair.SetUpAsync();
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="fileName"/> inside namespace <paramref name="ns"/> via `ip netns exec` (bounded by <paramref name="timeout"/>).</summary>
    public Task<ProcessResult> ExecAsync(string ns, string fileName, IEnumerable<string> arguments, TimeSpan timeout) =>
        ProcessRunner.RunAsync(_ip, ["netns", "exec", ns, fileName, .. arguments], timeout);

    /// <summary>The argument list for a long-running process in <paramref name="ns"/>, for callers that manage it themselves.</summary>
    public IReadOnlyList<string> ExecArguments(string ns, string fileName, IEnumerable<string> arguments) => ["netns", "exec", ns, fileName, .. arguments];

    /// <summary>The `ip` binary.</summary>
    public string IpTool => _ip;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (string ns in _created.AsEnumerable().Reverse())
        {
            await ProcessRunner.RunAsync(_ip, ["netns", "del", ns], s_commandTimeout);
        }

        _created.Clear();
    }

    private async Task SetUpAsync()
    {
        foreach (string ns in new[] { NamespaceA, NamespaceB })
        {
            // A namespace of this exact name can only be left over from a dead process that had our PID.
            ProcessResult list = await Ip("netns", "list");
            if (list.StandardOutput.Split('\n').Any(l => l.Split(' ')[0] == ns))
            {
                await Ip("netns", "del", ns);
            }

            await Must("netns", "add", ns);
            _created.Add(ns);
            // /proc/sys/net belongs to the namespace of the process that opens it; a kernel without IPv6 has nothing to disable.
            await MustExec(ns, "/bin/sh", "-c",
                "[ -d /proc/sys/net/ipv6 ] || exit 0; echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6 && echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6");
        }

        await Must("-n", NamespaceA, "link", "add", InterfaceA, "address", Mac(MacA), "type", "veth",
            "peer", "name", InterfaceB, "address", Mac(MacB), "netns", NamespaceB);
        await Must("-n", NamespaceA, "addr", "add", $"{AddressA}/24", "dev", InterfaceA);
        await Must("-n", NamespaceB, "addr", "add", $"{AddressB}/24", "dev", InterfaceB);
        await Must("-n", NamespaceA, "link", "set", InterfaceA, "up");
        await Must("-n", NamespaceB, "link", "set", InterfaceB, "up");

        // Both ends report carrier once the peer is up; poll (bounded) rather than sleep.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            ProcessResult a = await Ip("-n", NamespaceA, "-br", "link", "show", "dev", InterfaceA);
            ProcessResult b = await Ip("-n", NamespaceB, "-br", "link", "show", "dev", InterfaceB);
            if (IsUp(a.StandardOutput) && IsUp(b.StandardOutput))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"veth pair did not come up: {a.StandardOutput.Trim()} / {b.StandardOutput.Trim()}");
            }

            await Task.Delay(50);
        }
    }

    private static bool IsUp(string brief)
    {
        string[] fields = brief.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 1 && fields[1] == "UP";
    }

    private static string Mac(byte[] mac) => string.Join(':', mac.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    private Task<ProcessResult> Ip(params string[] args) => ProcessRunner.RunAsync(_ip, args, s_commandTimeout);

    private async Task Must(params string[] args)
    {
        ProcessResult r = await Ip(args);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"network set-up failed: {r}");
        }
    }

    private async Task MustExec(string ns, string fileName, params string[] args)
    {
        ProcessResult r = await ExecAsync(ns, fileName, args, s_commandTimeout);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"network set-up failed: {r}");
        }
    }
}
