using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text;
using IpsecFw.Host.Control;

namespace IpsecFw.Host.Demo;

/// <summary>
/// <c>ipsecfw run</c> for one organisation host, as a child process inside its namespace (<c>ip netns exec NS ipsecfw
/// run --config FILE</c>; <c>ip netns exec</c> execs, so the PID is the daemon's). Its files are in its own directory:
/// <c>config.json</c>, <c>cert.pem</c>, <c>key.pem</c>, <c>ca.pem</c>, <c>signer.pub</c>, <c>policy.bundle</c>,
/// <c>state/</c>, <c>run/control.sock</c> and <c>daemon.log</c> (what it wrote). It is driven only through its
/// configuration, its bundle file and its control socket, as an operator would.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class DemoDaemon : IDisposable
{
    private static readonly TimeSpan s_requestBound = TimeSpan.FromSeconds(5);
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Lock _logLock = new();

    private DemoDaemon(DemoHost host, string directory, Process process, StreamWriter log)
    {
        Host = host;
        Directory = directory;
        _process = process;
        _log = log;
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>The host it runs for.</summary>
    public DemoHost Host { get; }

    /// <summary>Its directory.</summary>
    public string Directory { get; }

    /// <summary>Its control socket.</summary>
    public string Socket => Path.Combine(Directory, "run", "control.sock");

    /// <summary>Where the next policy bundle is put (<c>policy.bundle</c> of its configuration).</summary>
    public string BundlePath => Path.Combine(Directory, "policy.bundle");

    /// <summary>The file with everything it wrote.</summary>
    public string LogPath => Path.Combine(Directory, "daemon.log");

    /// <summary>Its PID.</summary>
    public int Pid => _process.Id;

    /// <summary>Starts the daemon with the configuration already written in <paramref name="directory"/> and waits until its control socket answers.</summary>
    /// <exception cref="DemoException">It exited, or did not answer within <paramref name="bound"/>.</exception>
    public static async Task<DemoDaemon> StartAsync(DemoHost host, string ns, string directory, DemoExecutable executable, TimeSpan bound,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("ip")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = false,
        };
        foreach (string a in (string[])["netns", "exec", ns, executable.FileName, .. executable.Prefix, "run", "--config", Path.Combine(directory, "config.json")])
        {
            start.ArgumentList.Add(a);
        }

        var log = new StreamWriter(Path.Combine(directory, "daemon.log"), append: false, Encoding.UTF8) { AutoFlush = true };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new DemoException($"cannot start ipsecfw for {host.Label}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            await log.DisposeAsync().ConfigureAwait(false);
            throw new DemoException($"cannot start ipsecfw for {host.Label}: {e.Message}", e);
        }

        var daemon = new DemoDaemon(host, directory, process, log);
        try
        {
            var clock = Stopwatch.StartNew();
            while (!process.HasExited && clock.Elapsed < bound)
            {
                if (File.Exists(daemon.Socket) && await daemon.TryStatusAsync(cancellationToken).ConfigureAwait(false) is not null)
                {
                    return daemon;
                }

                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }

            string why = process.HasExited ? $"exited with code {process.ExitCode}" : $"did not answer on its control socket within {bound.TotalSeconds:0} s";
            throw new DemoException($"ipsecfw for {host.Label} {why}; its log:\n{daemon.Tail()}");
        }
        catch
        {
            daemon.Dispose();
            throw;
        }
    }

    /// <summary><c>ipsecfw status</c>, or null when the daemon does not answer.</summary>
    public async Task<StatusReport?> TryStatusAsync(CancellationToken cancellationToken) =>
        (await TryRequestAsync("status", cancellationToken).ConfigureAwait(false))?.Status;

    /// <summary><c>ipsecfw sas</c>, or null when the daemon does not answer.</summary>
    public async Task<IReadOnlyList<IkeSaInfo>?> TrySasAsync(CancellationToken cancellationToken) =>
        (await TryRequestAsync("sas", cancellationToken).ConfigureAwait(false))?.Sas;

    /// <summary><c>ipsecfw reload</c>: the daemon re-reads its configuration and its bundle; returns its answer.</summary>
    public async Task<ControlResponse> ReloadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ControlClient.SendAsync(Socket, new ControlRequest { Command = "reload" }, s_requestBound, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ControlUnreachableException or ControlProtocolException)
        {
            return ControlResponse.Failure(e.Message);
        }
    }

    /// <summary>The last lines the daemon wrote (for error messages).</summary>
    public string Tail(int lines = 25)
    {
        lock (_logLock)
        {
            _log.Flush();
        }

        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            string[] all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.TakeLast(lines).Select(l => "    " + l));
        }
        catch (IOException e)
        {
            return "    (cannot read " + LogPath + ": " + e.Message + ")";
        }
    }

    /// <summary>SIGTERM (the daemon sends DELETE to its peers and removes its TUN device), then SIGKILL if it has not exited within <paramref name="bound"/>.</summary>
    public async Task StopAsync(TimeSpan bound)
    {
        if (_process.HasExited)
        {
            return;
        }

        DemoProcesses.Terminate(_process.Id);
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            DemoProcesses.Kill(_process.Id);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            DemoProcesses.Kill(_process.Id);
            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }

        _process.Dispose();
        lock (_logLock)
        {
            _log.Dispose();
        }
    }

    private async Task<ControlResponse?> TryRequestAsync(string command, CancellationToken cancellationToken)
    {
        try
        {
            ControlResponse response = await ControlClient.SendAsync(Socket, new ControlRequest { Command = command }, s_requestBound, cancellationToken)
                .ConfigureAwait(false);
            return response.Ok ? response : null;
        }
        catch (Exception e) when (e is ControlUnreachableException or ControlProtocolException)
        {
            return null;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The daemon wrote after the demonstration let go of it.
            }
        }
    }
}
