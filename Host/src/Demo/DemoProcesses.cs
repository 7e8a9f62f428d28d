using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;

namespace IpsecFw.Host.Demo;

/// <summary>Signals to the demonstration's own child processes, always by PID.</summary>
internal static class DemoProcesses
{
    /// <summary>SIGTERM to <paramref name="pid"/> (through <c>kill</c>, bounded); false when it could not be sent.</summary>
    public static bool Terminate(int pid)
    {
        try
        {
            using Process? kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)])
            {
                UseShellExecute = false,
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            });
            return kill is not null && kill.WaitForExit(TimeSpan.FromSeconds(5)) && kill.ExitCode == 0;
        }
        catch (Win32Exception)
        {
            return false;
        }
    }

    /// <summary>SIGKILL to <paramref name="pid"/>; quiet when it has gone already.</summary>
    public static void Kill(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Win32Exception)
        {
            // Gone already.
        }
    }
}
