using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace IpsecFw.Tun.Interop;

/// <summary>
/// wintun.dll (https://www.wintun.net, API of wintun.h 0.14): a native DLL shipped beside the executable. Handles are
/// returned as raw pointers and wrapped at once in <see cref="WintunAdapterHandle"/> / <see cref="WintunSessionHandle"/>.
/// </summary>
[SupportedOSPlatform("windows")]
internal static unsafe partial class Wintun
{
    /// <summary>Smallest ring (128 KiB): <c>WINTUN_MIN_RING_CAPACITY</c>.</summary>
    public const int MinRingCapacity = 0x20000;

    /// <summary>Largest ring (64 MiB): <c>WINTUN_MAX_RING_CAPACITY</c>.</summary>
    public const int MaxRingCapacity = 0x4000000;

    /// <summary>Largest packet: <c>WINTUN_MAX_IP_PACKET_SIZE</c>.</summary>
    public const int MaxIpPacketSize = 0xFFFF;

    // Win32 error codes that WintunReceivePacket / WintunAllocateSendPacket leave in GetLastError.
    public const int ErrorHandleEof = 38;
    public const int ErrorInvalidData = 13;
    public const int ErrorBufferOverflow = 111;
    public const int ErrorNoMoreItems = 259;

    private const string Dll = "wintun.dll";

    /// <summary><c>WINTUN_ADAPTER_HANDLE WintunCreateAdapter(LPCWSTR Name, LPCWSTR TunnelType, const GUID *RequestedGUID)</c>.</summary>
    [LibraryImport(Dll, EntryPoint = "WintunCreateAdapter", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint CreateAdapter(string name, string tunnelType, Guid* requestedGuid);

    /// <summary><c>WINTUN_ADAPTER_HANDLE WintunOpenAdapter(LPCWSTR Name)</c>.</summary>
    [LibraryImport(Dll, EntryPoint = "WintunOpenAdapter", SetLastError = true, StringMarshalling = StringMarshalling.Utf16)]
    public static partial nint OpenAdapter(string name);

    /// <summary><c>void WintunCloseAdapter(WINTUN_ADAPTER_HANDLE Adapter)</c>: also removes an adapter this process created.</summary>
    [LibraryImport(Dll, EntryPoint = "WintunCloseAdapter")]
    public static partial void CloseAdapter(nint adapter);

    /// <summary><c>WINTUN_SESSION_HANDLE WintunStartSession(WINTUN_ADAPTER_HANDLE Adapter, DWORD Capacity)</c>.</summary>
    [LibraryImport(Dll, EntryPoint = "WintunStartSession", SetLastError = true)]
    public static partial nint StartSession(WintunAdapterHandle adapter, uint capacity);

    /// <summary><c>void WintunEndSession(WINTUN_SESSION_HANDLE Session)</c>.</summary>
    [LibraryImport(Dll, EntryPoint = "WintunEndSession")]
    public static partial void EndSession(nint session);

    /// <summary><c>HANDLE WintunGetReadWaitEvent(WINTUN_SESSION_HANDLE Session)</c>: owned by the session, never closed by us.</summary>
    [LibraryImport(Dll, EntryPoint = "WintunGetReadWaitEvent")]
    public static partial nint GetReadWaitEvent(nint session);

    /// <summary><c>BYTE *WintunReceivePacket(WINTUN_SESSION_HANDLE Session, DWORD *PacketSize)</c>.</summary>
    [LibraryImport(Dll, EntryPoint = "WintunReceivePacket", SetLastError = true)]
    public static partial byte* ReceivePacket(nint session, out uint packetSize);

    /// <summary><c>void WintunReleaseReceivePacket(WINTUN_SESSION_HANDLE Session, const BYTE *Packet)</c>.</summary>
    [LibraryImport(Dll, EntryPoint = "WintunReleaseReceivePacket")]
    public static partial void ReleaseReceivePacket(nint session, byte* packet);

    /// <summary><c>BYTE *WintunAllocateSendPacket(WINTUN_SESSION_HANDLE Session, DWORD PacketSize)</c>.</summary>
    [LibraryImport(Dll, EntryPoint = "WintunAllocateSendPacket", SetLastError = true)]
    public static partial byte* AllocateSendPacket(nint session, uint packetSize);

    /// <summary><c>void WintunSendPacket(WINTUN_SESSION_HANDLE Session, const BYTE *Packet)</c>.</summary>
    [LibraryImport(Dll, EntryPoint = "WintunSendPacket")]
    public static partial void SendPacket(nint session, byte* packet);
}
