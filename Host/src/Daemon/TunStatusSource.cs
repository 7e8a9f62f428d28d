using IpsecFw.Host.Control;
using IpsecFw.Tun;
using IpsecFw.Tun.Offload;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The <c>tun</c> section of <c>ipsecfw status</c>: the device's read errors and refused writes, and with
/// <c>tun.offload</c> (<c>offload</c> 1) the TCP super-packets read and the segments split from them, the super-packets
/// written and the segments merged into them, and the packets dropped by reason (<c>drops.offload_bad_ip_header</c>...).
/// Empty while the data path is not running.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TunStatusSource(IkeService service) : IStatusSource
{
    /// <inheritdoc/>
    public string Component => "tun";

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, long> ReadCounters()
    {
        var result = new SortedDictionary<string, long>(StringComparer.Ordinal);
        if (service.Tun is not { } tun)
        {
            return result;
        }

        result["read_errors"] = tun.ReadErrors;
        result["drops.write_refused"] = tun.WriteDrops;
        result["offload"] = tun.HasOffload ? 1 : 0;
        if (tun.HasOffload)
        {
            result["offload.super_packets_read"] = tun.SuperPacketsRead;
            result["offload.segments_split"] = tun.SegmentsSplit;
            result["offload.super_packets_written"] = tun.SuperPacketsWritten;
            result["offload.segments_coalesced"] = tun.SegmentsCoalesced;
            foreach (OffloadDrop reason in Enum.GetValues<OffloadDrop>())
            {
                if (reason != OffloadDrop.None)
                {
                    result["drops.offload_" + BundlePuller.SnakeCase(reason.ToString())] = tun.OffloadDrops(reason);
                }
            }
        }

        return result;
    }
}
