using System.Runtime.InteropServices;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// The daemon's C heap (glibc malloc), set before the host starts. The native allocations of an IKE handshake (the
/// runtime's and OpenSSL's: certificate chains, signatures, cipher contexts) come from whichever thread-pool thread runs
/// it; by default glibc gives each contending thread its own arena (up to 8 per core), and memory freed in one arena
/// is not reused by the others, so a burst of handshakes leaves several part-used arenas resident. Two arenas bound
/// that (the usual <c>MALLOC_ARENA_MAX=2</c> of .NET services on Linux); the cost is more lock contention in malloc,
/// which the data path never calls (its buffers are preallocated).
/// <para>
/// glibc fixes its arena limit when a thread first needs a new arena, and the runtime's own threads have made a few
/// before <c>Main</c>: set here, the limit only stops further ones. The environment variable, set before the process
/// starts (<c>Host/packaging/ipsecfw.service</c> does), is what holds it at two.
/// </para>
/// </summary>
internal static partial class NativeHeap
{
    /// <summary>The arenas the daemon's malloc may use.</summary>
    public const int MaxArenas = 2;

    // glibc's malloc.h: #define M_ARENA_MAX -8
    private const int MArenaMax = -8;

    /// <summary>
    /// Limits glibc's arenas to <see cref="MaxArenas"/>, unless <c>MALLOC_ARENA_MAX</c> is set (the operator's choice
    /// stands). False where there is nothing to do or it could not be done (not Linux, not glibc: musl has one heap).
    /// </summary>
    public static bool Configure()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX") is not null)
        {
            return false;
        }

        try
        {
            return Mallopt(MArenaMax, MaxArenas) == 1;
        }
        catch (EntryPointNotFoundException)
        {
            return false; // a C library without mallopt (musl)
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Gives the free pages inside glibc's heaps back to the kernel (<c>malloc_trim(0)</c>): what a burst of handshakes
    /// freed between blocks still in use, which glibc's own trimming (only the top of each heap) never returns. Walks
    /// every arena under its lock, so it is called after a burst (<see cref="NativeHeapTrimmer"/>), never on a packet
    /// path. True when glibc gave memory back; false when there was none to give or it could not be done (not Linux,
    /// not glibc).
    /// </summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return MallocTrim(0) == 1;
        }
        catch (EntryPointNotFoundException)
        {
            return false; // a C library without malloc_trim (musl)
        }
        catch (DllNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int Mallopt(int param, int value);
}
