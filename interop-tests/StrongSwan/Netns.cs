using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using IpsecFw.InteropTests.Support;
using IpsecFw.Tun;

namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>
/// One named network namespace made by <see cref="NetnsTopology"/> (`ip netns add`). Commands run inside it with
/// `ip netns exec`, sockets are opened inside it on a thread that entered it (<see cref="NetworkNamespace"/>) and keep
/// living there. Every command is bounded by a timeout. Safe for concurrent use.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class Netns
{
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(20);

    internal Netns(string ip, string name)
    {
        IpTool = ip;
        Name = name;
    }

    /// <summary>The namespace's name under /var/run/netns (unique per test and process).</summary>
    public string Name { get; }

    /// <summary>The iproute2 `ip` binary.</summary>
    public string IpTool { get; }

    /// <summary>Runs <paramref name="fileName"/> inside this namespace (`ip netns exec NAME ...`), bounded by <paramref name="timeout"/>.</summary>
    public Task<ProcessResult> ExecAsync(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync(IpTool, ["netns", "exec", Name, fileName, .. arguments], timeout ?? s_defaultTimeout);

    /// <summary>Runs `ip -n NAME ARGS...`.</summary>
    public Task<ProcessResult> IpAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(IpTool, ["-n", Name, .. arguments], s_defaultTimeout);

    /// <summary>Runs `ip -n NAME ARGS...` and throws with its output when it fails.</summary>
    public async Task<string> MustIpAsync(params string[] arguments)
    {
        ProcessResult r = await IpAsync(arguments);
        return r.ExitCode == 0 ? r.StandardOutput : throw new InvalidOperationException($"in namespace {Name}: {r}");
    }

    /// <summary>Runs <paramref name="fileName"/> inside the namespace and throws with its output when it fails.</summary>
    public async Task<string> MustExecAsync(string fileName, params string[] arguments)
    {
        ProcessResult r = await ExecAsync(fileName, arguments);
        return r.ExitCode == 0 ? r.StandardOutput : throw new InvalidOperationException($"in namespace {Name}: {r}");
    }

    /// <summary>Runs <paramref name="action"/> on a thread inside this namespace (sockets made there stay there).</summary>
    public T Run<T>(Func<T> action) => NetworkNamespace.Run(Name, action);

    /// <summary>A UDP socket bound to <paramref name="local"/> inside this namespace (port 0: an ephemeral one).</summary>
    public Socket OpenUdpSocket(IPEndPoint local) => Run(() =>
    {
        var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(local);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    });

    /// <summary>
    /// `ping -c COUNT -i 0.2 -W 1 -w DEADLINE -I FROM TO` inside this namespace: bounded in count and time (the deadline is
    /// count × 0.2 s + 3 s, and the process is killed 5 s after that). Exit code 0 means at least one reply came back.
    /// </summary>
    public Task<ProcessResult> PingAsync(IPAddress from, IPAddress to, int count = 3)
    {
        int deadline = (int)Math.Ceiling(count * 0.2) + 3;
        return ExecAsync("ping",
            ["-n", "-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", "1",
             "-w", deadline.ToString(CultureInfo.InvariantCulture), "-I", from.ToString(), to.ToString()],
            TimeSpan.FromSeconds(deadline + 5));
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
