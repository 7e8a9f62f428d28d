using System.Diagnostics;
using IpsecFw.Host.Platform;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Daemon;

// The local program of a new flow (the policy's `process "..."` rules), looked up only when it can matter.
public sealed partial class SpdPacketFilter
{
    private static readonly int s_lookupStatuses = Enum.GetValues<SocketOwnerStatus>().Length;
    private readonly long[] _lookups = new long[s_lookupStatuses];
    private long _lookupTicks;

    /// <summary>
    /// Finds the program that owns a flow's local socket (<see cref="LinuxSocketOwnerResolver"/> in the daemon; null:
    /// programs are never known, so <c>process</c> rules never match).
    /// </summary>
    public ISocketOwnerResolver? Resolver { get; set; }

    /// <summary>Look-ups of a local program that ended with <paramref name="status"/>.</summary>
    public long ProgramLookups(SocketOwnerStatus status) =>
        (uint)status < (uint)s_lookupStatuses ? Interlocked.Read(ref _lookups[(int)status]) : 0;

    /// <summary>Time spent in look-ups of local programs, in microseconds (all of them together).</summary>
    public long ProgramLookupMicroseconds => (long)Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _lookupTicks)).TotalMicroseconds;

    /// <summary>
    /// The owner of the local socket of a new flow: the destination's for an inbound packet, the source's for an
    /// outbound one. Counted by outcome and timed.
    /// </summary>
    private SocketOwner LookUpProgram(in FlowKey flow, bool inbound)
    {
        if (Resolver is not { } resolver)
        {
            return SocketOwner.Failure(SocketOwnerStatus.NotSupported);
        }

        long start = Stopwatch.GetTimestamp();
        SocketOwner owner = inbound
            ? resolver.Resolve(flow.Protocol, flow.Destination, flow.DestinationPort, flow.Source, flow.SourcePort)
            : resolver.Resolve(flow.Protocol, flow.Source, flow.SourcePort, flow.Destination, flow.DestinationPort);
        Interlocked.Add(ref _lookupTicks, Stopwatch.GetTimestamp() - start);
        if ((uint)owner.Status < (uint)s_lookupStatuses)
        {
            Interlocked.Increment(ref _lookups[(int)owner.Status]);
        }

        return owner;
    }
}
