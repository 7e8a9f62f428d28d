using IpsecFw.Host.Control;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// What the kernel dropped before the daemon saw it, for <c>ipsecfw status</c> (component <c>kernel</c>): per UDP
/// socket of the daemon (<c>udp500</c>, <c>udp4500</c>) <c>.drops</c> and <c>.rx_queue</c> (bytes waiting now), and
/// for the network namespace <c>udp.rcvbuf_errors</c>, <c>udp.in_errors</c>, <c>udp6.rcvbuf_errors</c> and
/// <c>udp6.in_errors</c> (every UDP socket of the namespace, ours included). See <see cref="KernelUdpCounters"/>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KernelStatusSource(IkeService service) : IStatusSource
{
    /// <inheritdoc/>
    public string Component => "kernel";

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, long> ReadCounters()
    {
        var counters = new SortedDictionary<string, long>(StringComparer.Ordinal);
        string? udp = null, udp6 = null;
        foreach ((string name, nint fd) in service.Sockets())
        {
            if (KernelUdpCounters.SocketInode(fd) is not { } inode)
            {
                continue;
            }

            udp ??= KernelUdpCounters.ReadProc("/proc/net/udp") ?? "";
            udp6 ??= KernelUdpCounters.ReadProc("/proc/net/udp6") ?? "";
            if ((KernelUdpCounters.FindSocket(udp, inode) ?? KernelUdpCounters.FindSocket(udp6, inode)) is { } row)
            {
                counters[name + ".drops"] = row.Drops;
                counters[name + ".rx_queue"] = row.RxQueue;
            }
        }

        Dictionary<string, long> snmp = KernelUdpCounters.ParseSnmp(KernelUdpCounters.ReadProc("/proc/net/snmp"), KernelUdpCounters.ReadProc("/proc/net/snmp6"));
        foreach ((string key, string from) in (ReadOnlySpan<(string, string)>)[("udp.rcvbuf_errors", "Udp.RcvbufErrors"), ("udp.in_errors", "Udp.InErrors"),
            ("udp6.rcvbuf_errors", "Udp6RcvbufErrors"), ("udp6.in_errors", "Udp6InErrors")])
        {
            if (snmp.TryGetValue(from, out long v))
            {
                counters[key] = v;
            }
        }

        return counters;
    }
}
