using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using IpsecFw.Esp.Buffers;
using IpsecFw.Tun.Interop;

namespace IpsecFw.Tun;

/// <summary>
/// A Wintun adapter and session behind <see cref="ITunDevice"/>. Receive copies each packet from Wintun's ring into the
/// caller's buffer and releases it at once; send allocates in the ring, copies and sends. Batch size is 1, as in
/// wireguard-go's Windows TUN.
/// </summary>
/// <remarks>
/// <para>Needs wintun.dll (a signed native DLL from wintun.net) beside the executable and administrator rights. Written
/// against wintun.h; it builds everywhere but has never run on Windows.</para>
/// <para>The MTU is not set here (Wintun has no MTU call; use the IP Helper API or netsh): <see cref="Mtu"/> is the value
/// the caller configured, used only to report the device's contract.</para>
/// <para>Concurrency: one reader thread; <see cref="Write"/> from any thread; <see cref="Dispose"/> from any thread wakes a
/// blocked reader through a second event and ends the session once the reader has left it.</para>
/// </remarks>
[SupportedOSPlatform("windows")]
public sealed class WintunDevice : ITunDevice
{
    /// <summary>The default MTU, as for <c>LinuxTun</c>.</summary>
    public const int DefaultMtu = 1400;

    /// <summary>The default ring size: 8 MiB, as wireguard-go uses.</summary>
    public const int DefaultRingCapacity = 0x800000;

    private readonly WintunAdapterHandle _adapter;
    private readonly WintunSessionHandle _session;
    private readonly nint _readEvent;
    private readonly EventWaitHandle _quit = new(initialState: false, EventResetMode.ManualReset);
    private int _disposed;
    private long _readErrors;
    private long _writeDrops;

    private WintunDevice(WintunAdapterHandle adapter, WintunSessionHandle session, string name, int mtu)
    {
        _adapter = adapter;
        _session = session;
        _readEvent = Wintun.GetReadWaitEvent(session.DangerousGetHandle());
        Name = name;
        Mtu = mtu;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int Mtu { get; }

    /// <inheritdoc/>
    public int BatchSize => 1;

    /// <summary>Packets Wintun handed over that could not be taken (too large, or a ring error).</summary>
    public long ReadErrors => Interlocked.Read(ref _readErrors);

    /// <summary>Packets <see cref="Write"/> dropped because the ring was full or the session ended.</summary>
    public long WriteDrops => Interlocked.Read(ref _writeDrops);

    /// <summary>Creates a Wintun adapter (removed again on <see cref="Dispose"/>) and starts a session on it.</summary>
    /// <exception cref="TunException">wintun.dll is missing, no administrator rights, or Wintun refused.</exception>
    public static WintunDevice Create(string name, int mtu = DefaultMtu, Guid? requestedGuid = null, int ringCapacity = DefaultRingCapacity)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        CheckRingCapacity(ringCapacity);
        nint adapter = Call(() => CreateAdapter(name, requestedGuid));

        return StartSession(adapter, name, mtu, ringCapacity, "create");
    }

    /// <summary>Opens an existing Wintun adapter by name and starts a session on it.</summary>
    /// <exception cref="TunException">As for <see cref="Create"/>, or no adapter of that name.</exception>
    public static WintunDevice Open(string name, int mtu = DefaultMtu, int ringCapacity = DefaultRingCapacity)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        CheckRingCapacity(ringCapacity);
        nint adapter = Call(() => Wintun.OpenAdapter(name));
        return StartSession(adapter, name, mtu, ringCapacity, "open");
    }

    /// <inheritdoc/>
    public unsafe int Read(Span<PacketBuffer> bufs, int offset)
    {
        if (bufs.IsEmpty || Volatile.Read(ref _disposed) != 0)
        {
            return 0;
        }

        PacketBuffer b = bufs[0];
        int room = b.Bytes.Length - offset - PacketBuffer.Tailroom;
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(room, nameof(offset));
        bool sessionRef = false, quitRef = false;
        try
        {
            _session.DangerousAddRef(ref sessionRef);
            _quit.SafeWaitHandle.DangerousAddRef(ref quitRef);
            nint session = _session.DangerousGetHandle();
            nint* events = stackalloc nint[2];
            events[0] = _readEvent;
            events[1] = _quit.SafeWaitHandle.DangerousGetHandle();
            while (true)
            {
                byte* packet = Wintun.ReceivePacket(session, out uint size);
                if (packet != null)
                {
                    bool fits = size <= (uint)room;
                    if (fits)
                    {
                        new ReadOnlySpan<byte>(packet, (int)size).CopyTo(b.Bytes.AsSpan(offset));
                    }

                    Wintun.ReleaseReceivePacket(session, packet);
                    if (!fits)
                    {
                        Interlocked.Increment(ref _readErrors);
                        continue;
                    }

                    b.Offset = offset;
                    b.Length = (int)size;
                    return 1;
                }

                int error = Marshal.GetLastPInvokeError();
                if (error != Wintun.ErrorNoMoreItems)
                {
                    // ERROR_HANDLE_EOF: the session is ending; ERROR_INVALID_DATA: the ring is corrupt. Both are final.
                    Interlocked.Increment(ref _readErrors);
                    return 0;
                }

                uint wait = Kernel32.WaitForMultipleObjects(2, events, waitAll: 0, Kernel32.Infinite);
                if (wait != Kernel32.WaitObject0)
                {
                    return 0; // The quit event (Dispose) or a failed wait.
                }
            }
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        finally
        {
            if (quitRef)
            {
                _quit.SafeWaitHandle.DangerousRelease();
            }

            if (sessionRef)
            {
                _session.DangerousRelease();
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

        bool sessionRef = false;
        try
        {
            _session.DangerousAddRef(ref sessionRef);
            nint session = _session.DangerousGetHandle();
            int written = 0;
            foreach (PacketBuffer b in bufs)
            {
                byte* packet = b.Length is > 0 and <= Wintun.MaxIpPacketSize ? Wintun.AllocateSendPacket(session, (uint)b.Length) : null;
                if (packet == null)
                {
                    Interlocked.Increment(ref _writeDrops); // ERROR_BUFFER_OVERFLOW (ring full) or ERROR_HANDLE_EOF.
                    continue;
                }

                b.Packet.CopyTo(new Span<byte>(packet, b.Length));
                Wintun.SendPacket(session, packet);
                written++;
            }

            return written;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        finally
        {
            if (sessionRef)
            {
                _session.DangerousRelease();
            }
        }
    }

    /// <summary>Wakes a blocked reader, ends the session and closes (removes, if created here) the adapter.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _quit.Set();
        _session.Dispose();
        _adapter.Dispose();
        _quit.Dispose();
    }

    private static void CheckRingCapacity(int ringCapacity)
    {
        if (ringCapacity is < Wintun.MinRingCapacity or > Wintun.MaxRingCapacity || !int.IsPow2(ringCapacity))
        {
            throw new ArgumentOutOfRangeException(nameof(ringCapacity), "A power of two from 128 KiB to 64 MiB.");
        }
    }

    private static WintunDevice StartSession(nint rawAdapter, string name, int mtu, int ringCapacity, string verb)
    {
        if (rawAdapter == 0)
        {
            int error = Marshal.GetLastPInvokeError();
            throw new TunException($"Cannot {verb} Wintun adapter '{name}' (Win32 error {error}); administrator rights are needed.", error);
        }

        var adapter = new WintunAdapterHandle(rawAdapter);
        try
        {
            nint rawSession = Wintun.StartSession(adapter, (uint)ringCapacity);
            if (rawSession == 0)
            {
                int error = Marshal.GetLastPInvokeError();
                throw new TunException($"Cannot start a Wintun session on '{name}' (Win32 error {error}).", error);
            }

            return new WintunDevice(adapter, new WintunSessionHandle(rawSession), name, mtu);
        }
        catch
        {
            adapter.Dispose();
            throw;
        }
    }

    private static unsafe nint CreateAdapter(string name, Guid? requestedGuid)
    {
        Guid guid = requestedGuid.GetValueOrDefault();
        return Wintun.CreateAdapter(name, "IpsecFw", requestedGuid.HasValue ? &guid : null);
    }

    /// <summary>Calls into wintun.dll, turning a missing DLL into a plain <see cref="TunException"/>.</summary>
    private static nint Call(Func<nint> call)
    {
        try
        {
            return call();
        }
        catch (DllNotFoundException e)
        {
            throw new TunException("wintun.dll was not found: put the signed DLL from wintun.net beside the executable.", e);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new TunException("wintun.dll is too old: a version with the 0.14 API is needed.", e);
        }
    }
}
