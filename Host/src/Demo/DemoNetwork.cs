using System.Globalization;
using System.Runtime.Versioning;
using IpsecFw.Tun;

namespace IpsecFw.Host.Demo;

/// <summary>
/// The demonstration's network: one namespace per <see cref="DemoHost"/> and a router namespace, named
/// <c>ifwdemo&lt;pid&gt;-&lt;key&gt;</c> so that runs never collide and leftovers of a killed run are recognised.
/// Each host has one veth <c>eth0</c> with 198.18.L.2/24 and a default route to the router's end (<c>r-&lt;key&gt;</c>,
/// 198.18.L.1/24), which forwards between all links and filters nothing. The veths are created inside the router
/// namespace with the peer moved straight into the host's, so nothing is configured in the root namespace and no
/// packet can reach a real interface.
/// <code>
///   mail gateway 198.18.1.2 ─┐                      ┌─ 198.18.10.2 outsider
///   host1        198.18.2.2 ─┤                      │
///   host2        198.18.3.2 ─┼── router (forwards) ─┤
///   time server  198.18.4.2 ─┘                      └─ 198.18.11.2 telecommuter
/// </code>
/// <see cref="Dispose"/> kills, by PID, anything still running inside these namespaces (only the demonstration
/// starts processes there) and deletes them, which removes the veths.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class DemoNetwork : IDisposable
{
    /// <summary>The first part of every namespace name of a demonstration.</summary>
    public const string Prefix = "ifwdemo";

    private readonly IpCommand _ip = new(timeout: TimeSpan.FromSeconds(10));
    private readonly List<string> _created = [];

    private DemoNetwork(string id) => Id = id;

    /// <summary>The part of the namespace names shared by this run's namespaces.</summary>
    public string Id { get; }

    /// <summary>The router's namespace.</summary>
    public string Router => $"{Id}-router";

    /// <summary>The namespaces that exist now.</summary>
    public IReadOnlyList<string> Namespaces => _created;

    /// <summary>The namespace of <paramref name="host"/>.</summary>
    public string NamespaceOf(DemoHost host) => $"{Id}-{host.Key}";

    /// <summary>Builds the network for <paramref name="hosts"/>; on failure removes what was made and throws <see cref="DemoException"/>.</summary>
    public static DemoNetwork Create(IReadOnlyList<DemoHost> hosts)
    {
        SweepStale();
        var network = new DemoNetwork(string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Environment.ProcessId}"));
        try
        {
            network.SetUp(hosts);
            return network;
        }
        catch (TunException e)
        {
            network.Dispose();
            throw new DemoException($"cannot build the network namespaces: {e.Message}", e);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (string name in _created.AsEnumerable().Reverse())
        {
            Delete(_ip, name);
        }

        _created.Clear();
    }

    private void SetUp(IReadOnlyList<DemoHost> hosts)
    {
        Add(Router);
        Sysctl(Router, "net.ipv4.ip_forward=1");
        var router = new IpCommand(Router);
        foreach (DemoHost host in hosts)
        {
            string ns = NamespaceOf(host);
            Add(ns);
            string routerEnd = "r-" + host.Key;
            router.Run("link", "add", routerEnd, "type", "veth", "peer", "name", "eth0", "netns", ns);
            router.AddAddress(routerEnd, host.Gateway, 24);
            router.SetUp(routerEnd);
            var inside = new IpCommand(ns);
            inside.AddAddress("eth0", host.Underlay, 24);
            inside.SetUp("eth0");
            inside.Run("route", "add", "default", "via", host.Gateway.ToString(), "dev", "eth0");
            // Tunnelled packets come out of the TUN device with overlay addresses; loose reverse-path checks as in
            // interop-tests/StrongSwan/NetnsTopology.
            Sysctl(ns, "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0");
        }
    }

    private void Add(string name)
    {
        Delete(_ip, name);
        _ip.AddNamespace(name);
        _created.Add(name);
        new IpCommand(name).SetUp("lo");
    }

    private void Sysctl(string ns, params string[] settings) => _ip.Run(["netns", "exec", ns, "sysctl", "-qw", .. settings]);

    /// <summary>Kills what still runs inside <paramref name="name"/> (by PID, never this process) and deletes it; quiet when absent.</summary>
    private static void Delete(IpCommand ip, string name)
    {
        if (!File.Exists(Path.Combine(NetworkNamespace.RunDirectory, name)))
        {
            return;
        }

        try
        {
            foreach (string pid in ip.Run("netns", "pids", name).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id != Environment.ProcessId)
                {
                    DemoProcesses.Kill(id);
                }
            }

            ip.DeleteNamespace(name);
        }
        catch (TunException)
        {
            // Best effort: the next run's sweep removes it.
        }
    }

    /// <summary>Deletes the namespaces of earlier demonstrations whose process no longer runs (a run killed with SIGKILL).</summary>
    private static void SweepStale()
    {
        if (!Directory.Exists(NetworkNamespace.RunDirectory))
        {
            return;
        }

        var ip = new IpCommand(timeout: TimeSpan.FromSeconds(10));
        foreach (string path in Directory.GetFiles(NetworkNamespace.RunDirectory, Prefix + "*"))
        {
            string name = Path.GetFileName(path);
            string digits = new([.. name[Prefix.Length..].TakeWhile(char.IsAsciiDigit)]);
            if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId
                && !Directory.Exists($"/proc/{pid}"))
            {
                Delete(ip, name);
            }
        }
    }
}
