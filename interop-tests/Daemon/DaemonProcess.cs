using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// The built <c>ipsecfw run</c> as a child process inside a namespace (<c>ip netns exec NS dotnet ipsecfw.dll run</c>;
/// <c>ip netns exec</c> execs, so the PID is the daemon's), with its configuration and control socket in a temporary
/// directory. <see cref="DisposeAsync"/> kills it by its PID if it still runs and removes the directory.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class DaemonProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_commandBound = TimeSpan.FromSeconds(20);

    // A bound, not a timing claim: the daemon, its nft table and each `ipsecfw status` probe are separate processes,
    // which take several seconds each on a loaded 2-core machine.
    private static readonly TimeSpan s_startBound = TimeSpan.FromSeconds(60);
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private DaemonProcess(Netns ns, string directory, Process process)
    {
        Ns = ns;
        Directory = directory;
        _process = process;
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>The namespace the daemon runs in.</summary>
    public Netns Ns { get; }

    /// <summary>The temporary directory with the configuration, credentials and socket.</summary>
    public string Directory { get; }

    /// <summary>The control socket.</summary>
    public string Socket => Path.Combine(Directory, "run", "control.sock");

    /// <summary>The daemon's PID.</summary>
    public int Pid => _process.Id;

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code (after exit).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the daemon wrote so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary><c>dotnet</c> (or the SDK's host) and the path of ipsecfw.dll beside the tests.</summary>
    public static (string Host, string Dll) Executable() =>
        (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet",
         Path.Combine(AppContext.BaseDirectory, "ipsecfw.dll"));

    /// <summary>Writes <paramref name="configJson"/> (which may name files in <paramref name="directory"/>) and starts the daemon; waits until its socket answers.</summary>
    public static async Task<DaemonProcess> StartAsync(Netns ns, string directory, string configJson)
    {
        string config = Path.Combine(directory, "config.json");
        await File.WriteAllTextAsync(config, configJson);
        (string host, string dll) = Executable();
        Process process = Process.Start(ProcessRunner.StartInfo(ns.IpTool, ["netns", "exec", ns.Name, host, dll, "run", "--config", config]))
            ?? throw new InvalidOperationException("the daemon did not start");
        var daemon = new DaemonProcess(ns, directory, process);
        try
        {
            DateTime until = DateTime.UtcNow + s_startBound;
            while (DateTime.UtcNow < until && !process.HasExited)
            {
                if ((await daemon.CliAsync("status", "--json")).ExitCode == 0)
                {
                    return daemon;
                }

                await Task.Delay(200);
            }

            throw new Xunit.Sdk.XunitException($"the daemon in {ns} did not answer on its socket (exited: {process.HasExited})\n{daemon.Log}");
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>ipsecfw ARGS --socket SOCKET</c> inside the namespace.</summary>
    public Task<ProcessResult> CliAsync(params string[] args)
    {
        (string host, string dll) = Executable();
        return Ns.ExecAsync(host, [dll, .. args, "--socket", Socket], s_commandBound);
    }

    /// <summary><c>ipsecfw sas --json</c>, parsed.</summary>
    public async Task<JsonElement> SasAsync()
    {
        ProcessResult r = await CliAsync("sas", "--json");
        if (r.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"ipsecfw sas failed: {r}\n{Log}");
        }

        using var doc = JsonDocument.Parse(r.StandardOutput);
        return doc.RootElement.Clone();
    }

    /// <summary>Polls <c>sas --json</c> until <paramref name="done"/> holds or <paramref name="bound"/> passes; returns the last list.</summary>
    public async Task<(bool Ok, JsonElement Sas)> WaitSasAsync(Func<JsonElement, bool> done, TimeSpan bound)
    {
        DateTime until = DateTime.UtcNow + bound;
        JsonElement sas = await SasAsync();
        while (!done(sas) && DateTime.UtcNow < until)
        {
            await Task.Delay(250);
            sas = await SasAsync();
        }

        return (done(sas), sas);
    }

    /// <summary><c>ipsecfw status --json</c>: the counters of <paramref name="component"/> (<c>ike</c>, <c>esp</c>, ...) as name → value.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountersAsync(string component)
    {
        ProcessResult r = await CliAsync("status", "--json");
        if (r.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"ipsecfw status failed: {r}\n{Log}");
        }

        using var doc = JsonDocument.Parse(r.StandardOutput);
        var counters = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (JsonProperty p in doc.RootElement.GetProperty("counters").GetProperty(component).EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Number)
            {
                counters[p.Name] = p.Value.GetInt64();
            }
        }

        return counters;
    }

    /// <summary>The daemon's resident set size in KiB (<c>VmRSS</c> of <c>/proc/PID/status</c>), or -1 once it has gone.</summary>
    public long RssKib()
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), NumberStyles.None, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process has exited.
        }

        return -1;
    }

    /// <summary>SIGTERM by PID, then waits for the exit within <paramref name="bound"/>.</summary>
    public async Task<bool> TerminateAsync(TimeSpan bound)
    {
        await ProcessRunner.RunAsync("/bin/kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL by PID (a crash: no DELETE), then waits for the exit within <paramref name="bound"/>.</summary>
    public async Task<bool> KillAsync(TimeSpan bound)
    {
        await ProcessRunner.RunAsync("/bin/kill", ["-KILL", Pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        ProcessRunner.Kill(_process);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Killed; the namespace teardown takes the rest.
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still open; the temp directory is cleaned later.
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
