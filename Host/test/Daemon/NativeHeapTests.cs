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

    [Fact]
    public void Trim_gives_back_pages_freed_between_live_blocks_on_glibc()
    {
        bool glibc = OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libc.so.6", out IntPtr libc)
            && NativeLibrary.TryGetExport(libc, "malloc_trim", out _);
        // 64 blocks of 64 KB (below glibc's mmap threshold, so inside a heap); every other one freed leaves whole free
        // pages between live blocks, which only malloc_trim returns.
        var blocks = new nint[64];
        byte[] pattern = new byte[64 * 1024];
        Array.Fill(pattern, (byte)0x5a);
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(pattern.Length); // malloc on Unix
            Marshal.Copy(pattern, 0, blocks[i], pattern.Length);
        }

        try
        {
            for (int i = 0; i < blocks.Length; i += 2)
            {
                Marshal.FreeHGlobal(blocks[i]);
                blocks[i] = 0;
            }

            Assert.Equal(glibc, NativeHeap.Trim());
        }
        finally
        {
            foreach (nint b in blocks)
            {
                Marshal.FreeHGlobal(b);
            }
        }
    }
}
