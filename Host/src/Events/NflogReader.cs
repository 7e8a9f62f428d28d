using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using IpsecFw.Host.Platform;
using IpsecFw.Host.Platform.Interop;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Nftables;
using IpsecFw.Spd.Packets;
using IpsecFw.Spd.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Events;

/// <summary>
/// Turns the packets the kernel's nftables table denies in clear into intrusion-detection events. The table's deny
/// rules and default deny first send each new connection's packet, behind one shared rate limit, to the NFLOG group
/// <c>events.nflogGroup</c> with a log prefix that names the rule (<see cref="NftLogPrefix"/>); this service binds that
/// group on a <c>NETLINK_NETFILTER</c> socket (nfnetlink_log, packet copy mode, the first
/// <see cref="NftOptions.EventSnapLength"/> bytes), and a thread of its own reads each packet: the flow from the payload
/// (<see cref="PacketClassifier"/>), the direction from the interface attribute, the rule from the prefix, into
/// <see cref="EventPipeline.RecordKernelDrop"/> (reason <c>kernel_drop</c>).
/// </summary>
/// <remarks>
/// Runs when <c>events</c> is configured with a group, <c>firewall.nftables</c> is on, on Linux. Nothing from the socket
/// can throw: a malformed message, a packet the classifier refuses, a prefix of another table are counted drops
/// (<c>nflog.*</c> in the <c>events</c> section of <c>ipsecfw status</c>). One buffer, allocated at start; nothing is
/// allocated per packet. The thread wakes at least every <see cref="s_receiveTimeout"/> to see whether it must stop.
/// </remarks>
public sealed class NflogReader : IHostedService, IDisposable
{
    private const int ReceiveBufferBytes = 1 << 20;
    private static readonly TimeSpan s_receiveTimeout = TimeSpan.FromMilliseconds(250);
    private readonly EventPipeline _events;
    private readonly SpdPacketFilter? _filter;
    private readonly ILogger _logger;
    private readonly int _group;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly long[] _malformed = new long[Enum.GetValues<NflogStatus>().Length];
    private Thread? _thread;
    private int _fd = -1;
    private volatile bool _stopping;
    private long _received, _recorded, _foreignPrefix, _unclassifiable, _otherGroup, _overruns, _receiveErrors;
    private int _bound;
    private long _nextErrorLog;

    /// <summary>The daemon's reader, configured by <c>events.nflogGroup</c> and <c>firewall.nftables</c>.</summary>
    public NflogReader(DaemonState state, EventPipeline events, SpdPacketFilter filter, ILogger<NflogReader> logger)
        : this(Group(state?.Config ?? throw new ArgumentNullException(nameof(state))), events, filter, logger)
    {
    }

    /// <summary>A reader of <paramref name="group"/> (0: off) that judges rules by <paramref name="filter"/>'s policy (tests: null, no rule text).</summary>
    internal NflogReader(int group, EventPipeline events, SpdPacketFilter? filter, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(logger);
        _events = events;
        _filter = filter;
        _logger = logger;
        _group = events.Enabled ? group : 0;
        if (_group > 0)
        {
            events.AddCounters("nflog", ReadCounters);
        }
    }

    /// <summary>The group this daemon reads: <c>events.nflogGroup</c> when events and the nftables table are both on, else 0.</summary>
    public static int Group(HostConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Events is { NflogGroup: > 0 } events && config.Firewall.Nftables && OperatingSystem.IsLinux() ? events.NflogGroup : 0;
    }

    /// <summary>True once the group is bound to this daemon's socket.</summary>
    public bool Bound => Volatile.Read(ref _bound) == 1;

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_group == 0 || _thread is not null || !OperatingSystem.IsLinux())
        {
            return Task.CompletedTask;
        }

        if (Bind() is { } error)
        {
            EventLog.NflogBindFailed(_logger, _group, error);
            Close();
            return Task.CompletedTask;
        }

        Volatile.Write(ref _bound, 1);
        EventLog.NflogBound(_logger, _group);
        _thread = new Thread(Run) { IsBackground = true, Name = "ipsecfw nflog" };
        _thread.Start();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Stop();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public void Dispose() => Stop();

    /// <summary>
    /// Handles one datagram from the socket: every message in it, each packet an event or a counted drop. Returns how
    /// many events were recorded. Called by the reader thread (and by tests with built messages).
    /// </summary>
    internal int Handle(ReadOnlySpan<byte> datagram)
    {
        int recorded = 0, offset = 0;
        while (true)
        {
            NflogStatus status = NflogMessages.Read(datagram, ref offset, out NflogPacket packet, out _, out _);
            switch (status)
            {
                case NflogStatus.End:
                    return recorded;
                case NflogStatus.Packet:
                    Interlocked.Increment(ref _received);
                    recorded += Record(packet) ? 1 : 0;
                    break;
                case NflogStatus.Other or NflogStatus.Error:
                    break;
                default:
                    Interlocked.Increment(ref _malformed[(int)status]);
                    break;
            }
        }
    }

    /// <summary>The counters, named as <c>ipsecfw status</c> shows them under <c>events.nflog.</c>.</summary>
    internal IEnumerable<KeyValuePair<string, long>> ReadCounters()
    {
        yield return new("bound", Volatile.Read(ref _bound));
        yield return new("received", Interlocked.Read(ref _received));
        yield return new("recorded", Interlocked.Read(ref _recorded));
        yield return new("dropped_foreign_prefix", Interlocked.Read(ref _foreignPrefix));
        yield return new("dropped_other_group", Interlocked.Read(ref _otherGroup));
        yield return new("dropped_unclassifiable", Interlocked.Read(ref _unclassifiable));
        long malformed = 0;
        for (int i = 0; i < _malformed.Length; i++)
        {
            malformed += Interlocked.Read(ref _malformed[i]);
        }

        yield return new("dropped_malformed", malformed);
        yield return new("socket_overruns", Interlocked.Read(ref _overruns));
        yield return new("receive_errors", Interlocked.Read(ref _receiveErrors));
    }

    /// <summary>The count of one kind of malformed message (tests).</summary>
    internal long Malformed(NflogStatus status) => Interlocked.Read(ref _malformed[(int)status]);

    private bool Record(NflogPacket packet)
    {
        if (packet.Group != _group)
        {
            Interlocked.Increment(ref _otherGroup);
            return false;
        }

        if (!NftLogPrefix.TryParse(packet.Prefix, out int ruleIndex, out int line))
        {
            Interlocked.Increment(ref _foreignPrefix);
            return false;
        }

        if (Classify(packet.Payload, out ClassifiedPacket classified) is not (ClassifyStatus.Ok or ClassifyStatus.Fragment))
        {
            Interlocked.Increment(ref _unclassifiable);
            return false;
        }

        // The input hook gives the interface the packet came in on; the output hook the one it would leave by.
        bool inbound = packet.InDevice != 0;
        EnforcedPolicy? policy = _filter?.CurrentPolicy;
        Verdict verdict;
        if (ruleIndex < 0)
        {
            verdict = policy?.Local.DefaultVerdict ?? new Verdict(RuleAction.Deny, DenyResponse.Drop, true, -1, 0, false);
        }
        else if (policy is not null && ruleIndex < policy.Local.Rules.Count && policy.Local.Rules[ruleIndex].Line == line)
        {
            verdict = policy.Local.Rules[ruleIndex].Verdict;
        }
        else
        {
            // A rule of a policy that was replaced after the kernel logged the packet: its number and line, no text.
            verdict = new Verdict(RuleAction.Deny, DenyResponse.Drop, true, ruleIndex, line, false);
            policy = null;
        }

        _events.RecordKernelDrop(inbound, classified.Flow, inbound ? packet.InDevice : packet.OutDevice, verdict, policy);
        Interlocked.Increment(ref _recorded);
        return true;
    }

    /// <summary>
    /// Classifies a logged packet. The kernel copies at most the copy range, so the IP header may announce more than
    /// arrived: then a copy whose length field says what arrived is classified instead (only the headers are read).
    /// </summary>
    private static ClassifyStatus Classify(ReadOnlySpan<byte> payload, out ClassifiedPacket classified)
    {
        ClassifyStatus status = PacketClassifier.Classify(payload, out classified);
        if (status != ClassifyStatus.BadTotalLength || payload.Length > NftOptions.EventSnapLength)
        {
            return status;
        }

        Span<byte> copy = stackalloc byte[NftOptions.EventSnapLength];
        copy = copy[..payload.Length];
        payload.CopyTo(copy);
        if ((copy[0] >> 4) == 4)
        {
            // RFC 791: Total Length, octets 2-3.
            if (BinaryPrimitives.ReadUInt16BigEndian(copy[2..]) <= copy.Length)
            {
                return status;
            }

            BinaryPrimitives.WriteUInt16BigEndian(copy[2..], (ushort)copy.Length);
        }
        else
        {
            // RFC 8200: Payload Length, octets 4-5, after the 40-octet header (the classifier checked the version and size).
            if (copy.Length <= 40 || 40 + BinaryPrimitives.ReadUInt16BigEndian(copy[4..]) <= copy.Length)
            {
                return status;
            }

            BinaryPrimitives.WriteUInt16BigEndian(copy[4..], (ushort)(copy.Length - 40));
        }

        return PacketClassifier.Classify(copy, out classified);
    }

    /// <summary>Opens the socket and binds the group; null on success, else why not.</summary>
    private string? Bind()
    {
        if (!BitConverter.IsLittleEndian || IntPtr.Size != 8)
        {
            return "only 64-bit little-endian Linux is supported";
        }

        int fd = NetlinkCalls.Socket(NetlinkCalls.AfNetlink, NetlinkCalls.SockDgram | NetlinkCalls.SockCloexec, NetlinkCalls.NetlinkNetfilter);
        if (fd < 0)
        {
            return Errno("socket", Marshal.GetLastPInvokeError());
        }

        _fd = fd;

        // struct timeval { long tv_sec; long tv_usec; }: recv returns EAGAIN after it, so the thread sees a stop.
        byte[] timeout = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(timeout.AsSpan(8), (long)s_receiveTimeout.TotalMicroseconds);
        byte[] size = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(size, ReceiveBufferBytes);
        _ = NetlinkCalls.SetSockOpt(fd, NetlinkCalls.SolSocket, NetlinkCalls.SoRcvTimeo, timeout, (uint)timeout.Length);
        _ = NetlinkCalls.SetSockOpt(fd, NetlinkCalls.SolSocket, NetlinkCalls.SoRcvBuf, size, (uint)size.Length);

        const uint Sequence = 1;
        byte[] request = new byte[NflogMessages.BindRequestLength];
        NflogMessages.WriteBind(request, Sequence, (ushort)_group, NftOptions.EventSnapLength);
        if (NetlinkCalls.Send(fd, request, (nuint)request.Length, 0) != request.Length)
        {
            return Errno("send", Marshal.GetLastPInvokeError());
        }

        // The acknowledgement: an NLMSG_ERROR with our sequence number, errno 0 when the group is ours.
        for (int attempt = 0; attempt < 8; attempt++)
        {
            nint n = NetlinkCalls.Recv(fd, _buffer, (nuint)_buffer.Length, 0);
            if (n < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == NetlinkCalls.EIntr)
                {
                    continue;
                }

                return errno == NetlinkCalls.EAgain ? "the kernel did not answer the bind request" : Errno("recv", errno);
            }

            int offset = 0;
            NflogStatus status;
            while ((status = NflogMessages.Read(_buffer.AsSpan(0, (int)n), ref offset, out _, out int error, out uint sequence)) != NflogStatus.End)
            {
                if (sequence != Sequence)
                {
                    continue;
                }

                if (status == NflogStatus.Error)
                {
                    return error == NetlinkCalls.EBusy || error == NetlinkCalls.EPerm
                        ? "another process has bound this group (errno " + error.ToString(CultureInfo.InvariantCulture) + ")"
                        : Errno("bind", error);
                }

                if (status == NflogStatus.Other)
                {
                    return null;
                }
            }
        }

        return "no acknowledgement of the bind request";
    }

    private void Run()
    {
        while (!_stopping)
        {
            nint n = NetlinkCalls.Recv(_fd, _buffer, (nuint)_buffer.Length, 0);
            if (n > 0)
            {
                Handle(_buffer.AsSpan(0, (int)n));
                continue;
            }

            if (n == 0)
            {
                continue;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno is NetlinkCalls.EAgain or NetlinkCalls.EIntr)
            {
                continue;
            }

            if (errno == NetlinkCalls.ENoBufs)
            {
                // The socket's buffer overflowed: the kernel dropped log messages (counted; the reading goes on).
                Interlocked.Increment(ref _overruns);
                continue;
            }

            Interlocked.Increment(ref _receiveErrors);
            long now = Environment.TickCount64;
            if (now >= _nextErrorLog)
            {
                _nextErrorLog = now + 60_000;
                EventLog.NflogReceiveFailed(_logger, _group, errno);
            }

            Thread.Sleep(s_receiveTimeout);
        }
    }

    private void Stop()
    {
        _stopping = true;
        _thread?.Join(TimeSpan.FromSeconds(5));
        _thread = null;
        Close();
    }

    private void Close()
    {
        Volatile.Write(ref _bound, 0);
        if (_fd >= 0)
        {
            // Closing the socket unbinds the group (the kernel drops a bound instance with its socket).
            _ = NetlinkCalls.Close(_fd);
            _fd = -1;
        }
    }

    private static string Errno(string call, int errno) => $"{call} failed with errno {errno.ToString(CultureInfo.InvariantCulture)}";
}
