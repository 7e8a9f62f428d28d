using System.Diagnostics;
using System.Text;

namespace IpsecFw.InteropTests.Support;

/// <summary>The outcome of one finished (or timed-out and killed) process.</summary>
public sealed record ProcessResult(string FileName, IReadOnlyList<string> Arguments, int ExitCode, string StandardOutput, string StandardError, bool TimedOut, TimeSpan Elapsed)
{
    /// <summary>A one-paragraph description for assertion messages.</summary>
    public override string ToString() =>
        $"`{FileName} {string.Join(' ', Arguments)}` exit {ExitCode}{(TimedOut ? " (TIMED OUT, killed)" : "")} after {Elapsed.TotalSeconds:F1}s\nstderr: {Trim(StandardError)}\nstdout: {Trim(StandardOutput)}";

    private static string Trim(string s) => s.Length > 4000 ? s[..4000] + "…" : s;
}

/// <summary>
/// Runs external tools with an argument list (never a shell), a hard timeout and captured output. A process that
/// outlives its timeout is killed through its own handle (its PID), with the children it started, never by name.
/// </summary>
public static class ProcessRunner
{
    /// <summary>Runs <paramref name="fileName"/> to completion or until <paramref name="timeout"/>.</summary>
    public static Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        RunAsync(fileName, arguments, null, timeout, cancellationToken);

    /// <summary>Runs <paramref name="fileName"/> with extra environment variables to completion or until <paramref name="timeout"/>.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var args = arguments.ToList();
        using var process = new Process { StartInfo = StartInfo(fileName, args) };
        foreach (KeyValuePair<string, string> variable in environment ?? new Dictionary<string, string>())
        {
            process.StartInfo.Environment[variable.Key] = variable.Value;
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        var watch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool timedOut = false;
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            cts.CancelAfter(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                timedOut = true;
                Kill(process);
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            }
        }

        // Let the asynchronous readers drain (bounded: a grandchild holding the pipes must not hang the test).
        process.WaitForExit(TimeSpan.FromSeconds(10));
        string o, e;
        lock (stdout) { o = stdout.ToString(); }
        lock (stderr) { e = stderr.ToString(); }
        return new ProcessResult(fileName, args, timedOut ? -1 : process.ExitCode, o, e, timedOut, watch.Elapsed);
    }

    /// <summary>Start info for an argument list with redirected output.</summary>
    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    /// <summary>Kills a process we started (and its children) by its handle; ignores one that already exited.</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
