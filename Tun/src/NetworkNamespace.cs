using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using IpsecFw.Tun.Interop;
using Microsoft.Win32.SafeHandles;

namespace IpsecFw.Tun;

/// <summary>
/// Runs code inside a named network namespace (one made by <c>ip netns add</c>, bound under <c>/var/run/netns</c>).
/// </summary>
/// <remarks>
/// <c>setns(2)</c> moves only the calling thread, so the code runs on a new dedicated thread that enters the namespace
/// and ends afterwards; the caller's threads never change namespace. Sockets and TUN devices created there stay in that
/// namespace for their whole life, wherever they are used from later: a <see cref="LinuxTun"/> created inside keeps
/// working when read and written from threads in the root namespace.
/// </remarks>
[SupportedOSPlatform("linux")]
public static class NetworkNamespace
{
    /// <summary>Where <c>ip netns</c> binds named namespaces.</summary>
    public const string RunDirectory = "/var/run/netns";

    /// <summary>Runs <paramref name="action"/> on a thread inside namespace <paramref name="name"/> and returns its result.</summary>
    /// <exception cref="TunException">The namespace does not exist or cannot be entered.</exception>
    public static T Run<T>(string name, Func<T> action)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(action);
        if (name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("A namespace name has no '/'.", nameof(name));
        }

        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter(Path.Combine(RunDirectory, name));
                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = $"netns {name}",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    private static void Enter(string path)
    {
        int raw = LibC.Open(path, LibC.OCloExec);
        if (raw < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new TunException($"Cannot open network namespace {path}: {LibC.Describe(errno)}.", errno);
        }

        using var fd = new SafeFileHandle(raw, ownsHandle: true);
        if (LibC.SetNs(fd, LibC.CloneNewNet) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new TunException($"Cannot enter network namespace {path}: {LibC.Describe(errno)}.", errno);
        }
    }
}
