using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using IpsecFw.Esp.Buffers;
using IpsecFw.Tun.Interop;
using Microsoft.Win32.SafeHandles;

namespace IpsecFw.Tun;

/// <summary>
/// One queue (one file descriptor) of a Linux TUN device opened on <c>/dev/net/tun</c> with
/// <c>IFF_TUN | IFF_NO_PI</c> (and <c>IFF_MULTI_QUEUE</c> when created by <see cref="CreateMultiQueue"/>).
/// </summary>
/// <remarks>
/// <para>The descriptor is non-blocking. <see cref="Read"/> waits in <c>poll(2)</c> on the TUN descriptor and on an
/// <c>eventfd(2)</c>; <see cref="Dispose"/> signals the eventfd, so a blocked reader wakes and returns 0, and closes the
/// descriptors once the reader has let go of them (SafeHandle reference counts, one AddRef per batch).</para>
/// <para>The interface exists while at least one queue is open; it is not persistent, so disposing every queue removes
/// it. Addresses, routes and link state are set with <see cref="IpCommand"/>; the MTU is set here at creation.</para>
/// <para>Concurrency: one reader thread per queue; <see cref="Write"/> is safe from several threads; Dispose from any.</para>
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed partial class LinuxTun : ITunDevice
{
    /// <summary>The default MTU: 1500 less the largest ESP-in-UDP-over-IPv6 overhead we add, rounded down.</summary>
    public const int DefaultMtu = 1400;

    /// <summary>The default number of packets one <see cref="Read"/> drains.</summary>
    public const int DefaultBatchSize = 64;

    /// <summary>The TUN clone device.</summary>
    public const string DevicePath = "/dev/net/tun";

    private readonly SafeFileHandle _fd;
    private readonly SafeFileHandle _wake;
    private int _disposed;
    private bool _failed;
    private long _readErrors;
    private long _writeDrops;

    private LinuxTun(SafeFileHandle fd, SafeFileHandle wake, string name, int mtu, int batchSize, int queue, bool offload)
    {
        _offload = offload ? new OffloadState() : null;
        _fd = fd;
        _wake = wake;
        Name = name;
        Mtu = mtu;
        BatchSize = batchSize;
        Queue = queue;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int Mtu { get; }

    /// <inheritdoc/>
    public int BatchSize { get; }

    /// <summary>This queue's index, 0 for a single-queue device.</summary>
    public int Queue { get; }

    /// <summary>Packets that could not be read (errors other than "nothing to read"), and failed polls.</summary>
    public long ReadErrors => Volatile.Read(ref _readErrors);

    /// <summary>Packets that <see cref="Write"/> dropped because the kernel refused them.</summary>
    public long WriteDrops => Interlocked.Read(ref _writeDrops);

    /// <summary>Creates a single-queue TUN device and sets its MTU. The link is left down and without addresses.</summary>
    /// <param name="name">The interface name (at most 15 ASCII bytes; may contain <c>%d</c>); empty lets the kernel choose.</param>
    /// <param name="mtu">The MTU to set.</param>
    /// <param name="batchSize">The most packets one <see cref="Read"/> returns.</param>
    /// <param name="offload">Open with <c>IFF_VNET_HDR</c> and TSO/checksum offloads (see <see cref="HasOffload"/>).</param>
    /// <exception cref="TunException">No permission, no <c>/dev/net/tun</c>, a bad or busy name, or a refused MTU.</exception>
    public static LinuxTun Create(string name, int mtu = DefaultMtu, int batchSize = DefaultBatchSize, bool offload = false) =>
        Open(DevicePath, name, 1, mtu, batchSize, offload)[0];

    /// <summary>
    /// Creates a TUN device with <paramref name="queues"/> queues (<c>IFF_MULTI_QUEUE</c>), one descriptor and one
    /// <see cref="LinuxTun"/> per queue, so that each worker thread reads its own queue. The kernel spreads flows across
    /// queues by hash.
    /// </summary>
    /// <exception cref="TunException">As for <see cref="Create"/>.</exception>
    public static LinuxTun[] CreateMultiQueue(string name, int queues, int mtu = DefaultMtu, int batchSize = DefaultBatchSize, bool offload = false) =>
        Open(DevicePath, name, queues, mtu, batchSize, offload);

    /// <inheritdoc/>
    public unsafe int Read(Span<PacketBuffer> bufs, int offset)
    {
        if (bufs.IsEmpty || _failed || Volatile.Read(ref _disposed) != 0)
        {
            return 0;
        }

        bool fdRef = false, wakeRef = false;
        try
        {
            _fd.DangerousAddRef(ref fdRef);
            _wake.DangerousAddRef(ref wakeRef);
            int fd = (int)_fd.DangerousGetHandle();
            int max = Math.Min(bufs.Length, BatchSize);
            PollFd* fds = stackalloc PollFd[2];
            while (true)
            {
                int count = _offload is null ? Drain(fd, bufs[..max], offset) : DrainOffload(fd, bufs[..max], offset);
                if (count != 0 || _failed)
                {
                    return count;
                }

                fds[0] = new PollFd { Fd = fd, Events = LibC.PollIn };
                fds[1] = new PollFd { Fd = (int)_wake.DangerousGetHandle(), Events = LibC.PollIn };
                if (LibC.Poll(fds, 2, -1) < 0)
                {
                    if (Marshal.GetLastPInvokeError() == LibC.EIntr)
                    {
                        continue;
                    }

                    _readErrors++;
                    _failed = true;
                    return 0;
                }

                if (fds[1].Revents != 0)
                {
                    return 0; // Dispose: the eventfd stays readable, so every later poll returns at once too.
                }

                if ((fds[0].Revents & (LibC.PollErr | LibC.PollHup | LibC.PollNval)) != 0 && (fds[0].Revents & LibC.PollIn) == 0)
                {
                    _readErrors++;
                    _failed = true;
                    return 0;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return 0; // Disposed between the check above and AddRef.
        }
        finally
        {
            if (wakeRef)
            {
                _wake.DangerousRelease();
            }

            if (fdRef)
            {
                _fd.DangerousRelease();
            }
        }
    }

    /// <inheritdoc/>
    public unsafe int Write(ReadOnlySpan<PacketBuffer> bufs)
    {
        if (bufs.IsEmpty || Volatile.Read(ref _disposed) != 0)
        {
            return 0;
        }

        bool fdRef = false;
        try
        {
            _fd.DangerousAddRef(ref fdRef);
            int fd = (int)_fd.DangerousGetHandle();
            if (_offload is not null)
            {
                return WriteOffload(fd, bufs);
            }

            int written = 0;
            foreach (PacketBuffer b in bufs)
            {
                nint n;
                do
                {
                    // The buffer lives on the pinned object heap: this fixed costs nothing and never moves anything.
                    fixed (byte* p = &MemoryMarshal.GetArrayDataReference(b.Bytes))
                    {
                        n = LibC.Write(fd, p + b.Offset, (nuint)b.Length);
                    }
                }
                while (n < 0 && Marshal.GetLastPInvokeError() == LibC.EIntr);

                if (n == b.Length)
                {
                    written++;
                }
                else
                {
                    Interlocked.Increment(ref _writeDrops);
                }
            }

            return written;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        finally
        {
            if (fdRef)
            {
                _fd.DangerousRelease();
            }
        }
    }

    /// <summary>Wakes a blocked <see cref="Read"/> and closes this queue; the interface goes when its last queue does.</summary>
    public unsafe void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        bool wakeRef = false;
        try
        {
            _wake.DangerousAddRef(ref wakeRef);
            ulong one = 1;
            _ = LibC.Write((int)_wake.DangerousGetHandle(), (byte*)&one, sizeof(ulong));
        }
        finally
        {
            if (wakeRef)
            {
                _wake.DangerousRelease();
            }
        }

        _fd.Dispose();
        _wake.Dispose();
    }

    /// <summary>Reads packets without blocking until <paramref name="bufs"/> is full or the queue is empty.</summary>
    private unsafe int Drain(int fd, Span<PacketBuffer> bufs, int offset)
    {
        int count = 0;
        while (count < bufs.Length)
        {
            PacketBuffer b = bufs[count];
            int room = b.Bytes.Length - offset - PacketBuffer.Tailroom;
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(room, nameof(offset));
            ArgumentOutOfRangeException.ThrowIfNegative(offset);
            nint n;
            fixed (byte* p = &MemoryMarshal.GetArrayDataReference(b.Bytes))
            {
                n = LibC.Read(fd, p + offset, (nuint)room);
            }

            if (n > 0)
            {
                b.Offset = offset;
                b.Length = (int)n;
                count++;
                continue;
            }

            int errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            switch (errno)
            {
                case LibC.EAgain:
                    return count;
                case LibC.EIntr:
                    continue;
                case LibC.EInval:
                    _readErrors++; // A packet larger than the buffer: dropped by the kernel, the queue goes on.
                    continue;
                default:
                    _readErrors++; // EOF or EBADFD/EIO: the interface went away; stop reading.
                    _failed = true;
                    return count;
            }
        }

        return count;
    }
}
