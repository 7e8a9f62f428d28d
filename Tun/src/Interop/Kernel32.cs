using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace IpsecFw.Tun.Interop;

/// <summary>The one kernel32 call the Wintun reader needs to wait on two events at once.</summary>
[SupportedOSPlatform("windows")]
internal static unsafe partial class Kernel32
{
    public const uint Infinite = 0xFFFFFFFF;
    public const uint WaitObject0 = 0;
    public const uint WaitFailed = 0xFFFFFFFF;

    /// <summary><c>DWORD WaitForMultipleObjects(DWORD nCount, const HANDLE *lpHandles, BOOL bWaitAll, DWORD dwMilliseconds)</c>.</summary>
    [LibraryImport("kernel32.dll", EntryPoint = "WaitForMultipleObjects", SetLastError = true)]
    public static partial uint WaitForMultipleObjects(uint count, nint* handles, int waitAll, uint milliseconds);
}
