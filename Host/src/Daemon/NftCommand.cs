using System.Diagnostics;

namespace IpsecFw.Host.Daemon;

/// <summary>
/// Runs the <c>nft</c> command: arguments as a list (no shell), an optional script on standard input (<c>nft -f -</c>,
/// so nothing is written to disk), bounded in time. Never throws for nft's own failures: they come back as the exit code
/// and standard error.
/// </summary>
/// <param name="path">The nft executable.</param>
public sealed class NftCommand(string path)
{
    /// <summary>How long one nft invocation may take before it is killed.</summary>
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>The executable this runs.</summary>
    public string Path { get; } = path;

    /// <summary>nft in the usual system directories or on PATH, or null when it is not installed.</summary>
    public static NftCommand? Find()
    {
        IEnumerable<string> dirs = ["/usr/sbin", "/sbin", "/usr/bin", "/bin",
            .. (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)];
        foreach (string dir in dirs)
        {
            string candidate = System.IO.Path.Combine(dir, "nft");
            if (File.Exists(candidate))
            {
                return new NftCommand(candidate);
            }
        }

        return null;
    }

    /// <summary>Runs <c>nft ARGS</c> with <paramref name="input"/> on standard input (or none).</summary>
    public (int ExitCode, string Output, string Error) Run(IReadOnlyList<string> args, string? input = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var psi = new ProcessStartInfo(Path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        Process? process;
        try
        {
            process = Process.Start(psi);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return (-1, string.Empty, $"cannot run {Path}: {e.Message}");
        }

        if (process is null)
        {
            return (-1, string.Empty, $"cannot run {Path}");
        }

        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync();
            Task<string> stderr = process.StandardError.ReadToEndAsync();
            try
            {
                process.StandardInput.Write(input ?? string.Empty);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // nft exited before reading its input; its exit code and standard error say why.
            }

            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(Timeout);
                return (-1, string.Empty, $"nft did not finish within {Timeout.TotalSeconds:0} s and was stopped");
            }

            process.WaitForExit();
            return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult().Trim());
        }
    }
}
