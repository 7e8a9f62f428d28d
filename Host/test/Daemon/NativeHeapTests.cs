using System.Runtime.InteropServices;
using IpsecFw.Host.Daemon;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>The daemon's glibc arena limit (<see cref="NativeHeap"/>): applied on glibc Linux, left to the operator when <c>MALLOC_ARENA_MAX</c> is set.</summary>
public sealed class NativeHeapTests
{
    [Fact]
    public void The_arena_limit_is_set_on_glibc_and_an_operator_setting_stands()
    {
        string? before = Environment.GetEnvironmentVariable("MALLOC_ARENA_MAX");
        try
        {
            Environment.SetEnvironmentVariable("MALLOC_ARENA_MAX", null);
            bool glibc = OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out IntPtr libc)
                && NativeLibrary.TryGetExport(libc, "mallopt", out _);
            Assert.Equal(glibc, NativeHeap.Configure());

            Environment.SetEnvironmentVariable("MALLOC_ARENA_MAX", "4");
            Assert.False(NativeHeap.Configure());
        }
        finally
        {
            Environment.SetEnvironmentVariable("MALLOC_ARENA_MAX", before);
        }
    }
}
