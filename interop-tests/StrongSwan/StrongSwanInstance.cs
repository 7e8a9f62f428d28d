using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using System.Text;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.StrongSwan;

/// <summary>
/// One strongSwan 5.9 charon in a network namespace, with everything of its own in one run directory:
/// strongswan.conf (<see cref="CharonOptions"/>), swanctl/ (swanctl.conf from a <see cref="SwanctlConfig"/> plus the
/// credential files), the vici socket, charon.log, charon.pid. charon hard-codes /run/charon.pid, so it runs as
/// <c>ip netns exec NS sh -c 'mount -n --bind RUNDIR /run &amp;&amp; exec charon'</c>: the bind mount lives in the
/// private mount namespace <c>ip netns exec</c> creates, and ip and sh both exec, so the PID we start is charon's.
/// It is stopped by that PID only: SIGTERM, then SIGKILL after <see cref="StopTimeout"/>. swanctl runs in the root
/// namespace against the instance's own vici socket (a file, reachable from any network namespace).
/// Not safe for concurrent use.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class StrongSwanInstance : IAsyncDisposable
{
    /// <summary>The charon binary (Debian's strongswan-charon).</summary>
    public const string CharonPath = "/usr/lib/ipsec/charon";

    /// <summary>The swanctl binary (strongswan-swanctl).</summary>
    public const string SwanctlPath = "/usr/sbin/swanctl";

    /// <summary>charon's log file in the run directory.</summary>
    public const string LogFileName = "charon.log";

    /// <summary>The vici socket in the run directory.</summary>
    public const string ViciFileName = "charon.vici";

    /// <summary>charon's standard output and error (and those of the ip/sh in front of it).</summary>
    public const string OutputFileName = "charon.out";

    /// <summary>How long charon may take to create its vici socket.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long charon may take to exit after SIGTERM before it gets SIGKILL.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private static readonly Lazy<bool> s_staleSweep = new(SweepStaleRunDirectories);
    private static int s_counter;
    private readonly Dictionary<string, string> _environment;
    private readonly StringBuilder _launcherOutput = new();
    private Process? _process;

    private StrongSwanInstance(Netns ns, SwanctlConfig config, CharonOptions options, string label)
    {
        Netns = ns;
        Config = config;
        Options = options;
        Label = label;
        _ = s_staleSweep.Value;
        int n = Interlocked.Increment(ref s_counter);
        string name = string.Create(CultureInfo.InvariantCulture, $"{RunDirectoryPrefix}{Environment.ProcessId}-{n}-{label}");
        RunDirectory = Path.Combine(RunDirectoryParent, name);
        _environment = new Dictionary<string, string>
        {
            ["STRONGSWAN_CONF"] = ConfPath,
            ["SWANCTL_DIR"] = SwanctlDirectory,
        };
    }

    /// <summary>A label for messages and file names, e.g. <c>left</c>.</summary>
    public string Label { get; }

    /// <summary>The namespace charon runs in.</summary>
    public Netns Netns { get; }

    /// <summary>What it was configured with.</summary>
    public SwanctlConfig Config { get; }

    /// <summary>Its strongswan.conf settings.</summary>
    public CharonOptions Options { get; }

    /// <summary>Everything of this instance: strongswan.conf, swanctl/, charon.log, charon.vici, charon.pid.</summary>
    public string RunDirectory { get; }

    /// <summary>Its swanctl directory (swanctl.conf, x509ca/, x509/, private/, x509crl/).</summary>
    public string SwanctlDirectory => Path.Combine(RunDirectory, "swanctl");

    /// <summary>Its strongswan.conf.</summary>
    public string ConfPath => Path.Combine(RunDirectory, "strongswan.conf");

    /// <summary>Its log file.</summary>
    public string LogPath => Path.Combine(RunDirectory, LogFileName);

    /// <summary>The vici URI swanctl is given.</summary>
    public string ViciUri => "unix://" + Path.Combine(RunDirectory, ViciFileName);

    /// <summary>charon's PID (0 before start).</summary>
    public int Pid { get; private set; }

    /// <summary>True while charon runs.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>
    /// Renders the files, starts charon in <paramref name="ns"/>, waits for its vici socket and (unless
    /// <paramref name="load"/> is false) loads everything with <c>swanctl --load-all</c>. On failure charon is stopped
    /// and the exception carries the end of its log.
    /// </summary>
    public static async Task<StrongSwanInstance> StartAsync(Netns ns, SwanctlConfig config, CharonOptions? options = null, string? label = null, bool load = true)
    {
        var instance = new StrongSwanInstance(ns, config, options ?? new CharonOptions(), label ?? DefaultLabel(ns));
        try
        {
            instance.Render();
            await instance.StartCharonAsync();
            if (load)
            {
                await instance.LoadAllAsync();
            }

            return instance;
        }
        catch (Exception e)
        {
            // Whatever failed (no ip, a bad config, charon exiting), stop what was started and keep the evidence.
            string report = instance.Report();
            await instance.DisposeAsync();
            throw new InvalidOperationException($"strongSwan '{instance.Label}' did not start: {e.Message}\n{report}", e);
        }
    }

    /// <summary>Runs <c>swanctl ARGS... --uri &lt;this instance&gt;</c> with this instance's STRONGSWAN_CONF and SWANCTL_DIR.</summary>
    public Task<ProcessResult> SwanctlAsync(IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync(SwanctlPath, [.. arguments, "--uri", ViciUri], _environment, timeout ?? TimeSpan.FromSeconds(30));

    /// <summary><c>swanctl --load-all --noprompt</c>; throws with swanctl's output when it fails.</summary>
    public async Task LoadAllAsync()
    {
        ProcessResult r = await SwanctlAsync(["--load-all", "--noprompt"]);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"swanctl --load-all failed on '{Label}': {r}");
        }
    }

    /// <summary>
    /// <c>swanctl --initiate --child CHILD [--ike IKE] --timeout N</c>: returns when the CHILD_SA is up or has failed
    /// (exit code 0 only when established). The process itself is bounded by N + 10 s.
    /// </summary>
    public Task<ProcessResult> InitiateAsync(string child = SwanctlConfig.DefaultChild, string? ike = null, int timeoutSeconds = 15)
    {
        List<string> args = ["--initiate", "--child", child, "--timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture)];
        if (ike is not null)
        {
            args.AddRange(["--ike", ike]);
        }

        return SwanctlAsync(args, TimeSpan.FromSeconds(timeoutSeconds + 10));
    }

    /// <summary><c>swanctl --terminate --ike IKE</c> (or <c>--child CHILD</c>) with a bounded <c>--timeout</c>.</summary>
    public Task<ProcessResult> TerminateAsync(string? ike = SwanctlConfig.DefaultConnection, string? child = null, int timeoutSeconds = 10)
    {
        List<string> args = ["--terminate", "--timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture)];
        if (child is not null)
        {
            args.AddRange(["--child", child]);
        }
        else if (ike is not null)
        {
            args.AddRange(["--ike", ike]);
        }

        return SwanctlAsync(args, TimeSpan.FromSeconds(timeoutSeconds + 10));
    }

    /// <summary><c>swanctl --list-sas --pretty</c>, parsed; throws when swanctl fails.</summary>
    public async Task<IReadOnlyList<IkeSaStatus>> ListSasAsync()
    {
        ProcessResult r = await SwanctlAsync(["--list-sas", "--pretty"]);
        return r.ExitCode == 0
            ? IkeSaStatus.ParseListSas(r.StandardOutput)
            : throw new InvalidOperationException($"swanctl --list-sas failed on '{Label}': {r}");
    }

    /// <summary>Polls <see cref="ListSasAsync"/> every 200 ms until <paramref name="condition"/> holds or <paramref name="timeout"/> passes; returns the last list.</summary>
    public async Task<(bool Met, IReadOnlyList<IkeSaStatus> Sas)> WaitForSasAsync(Func<IReadOnlyList<IkeSaStatus>, bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        int rounds = (int)(timeout.TotalMilliseconds / 200) + 1;
        IReadOnlyList<IkeSaStatus> sas = [];
        for (int i = 0; i < rounds && watch.Elapsed <= timeout; i++)
        {
            sas = await ListSasAsync();
            if (condition(sas))
            {
                return (true, sas);
            }

            await Task.Delay(200);
        }

        return (false, sas);
    }

    /// <summary>charon's whole log so far.</summary>
    public string ReadLog()
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "";
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of charon's log.</summary>
    public string LogTail(int lines = 40)
    {
        string[] all = ReadLog().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines - 1)));
    }

    /// <summary>A diagnostic block: label, namespace, PID, run directory, launcher and charon output, and the log tail.</summary>
    public string Report(int lines = 40)
    {
        string output = "";
        try
        {
            string path = Path.Combine(RunDirectory, OutputFileName);
            output = File.Exists(path) ? File.ReadAllText(path) : "";
        }
        catch (IOException)
        {
        }

        string launcher;
        lock (_launcherOutput)
        {
            launcher = _launcherOutput.ToString();
        }

        return $"---- strongSwan '{Label}' in {Netns.Name}, pid {Pid}, {RunDirectory} ----\n" +
            (launcher.Length > 0 ? $"launcher: {launcher}\n" : "") +
            (output.Length > 0 ? $"charon.out: {output}\n" : "") +
            $"charon.log (last {lines} lines):\n{LogTail(lines)}\n";
    }

    /// <summary>The <see cref="Report"/> of every instance, after <paramref name="what"/> (e.g. a swanctl result), for assertion messages.</summary>
    public static string Reports(object? what, params StrongSwanInstance[] instances) =>
        $"{what}\n{string.Concat(instances.Select(i => i.Report()))}";

    /// <summary>Stops charon by its PID: SIGTERM, then SIGKILL after <see cref="StopTimeout"/>. Idempotent.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                await ProcessRunner.RunAsync("/bin/kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
                using var cts = new CancellationTokenSource(StopTimeout);
                try
                {
                    await _process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    ProcessRunner.Kill(_process);
                    _process.WaitForExit(StopTimeout);
                }
            }
        }
        finally
        {
            _process.Dispose();
            _process = null;
        }
    }

    /// <summary>Stops charon, writes the end of its log to the test output, and deletes the run directory (kept with IPSECFW_INTEROP_KEEP).</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        TestContext.Current.TestOutputHelper?.WriteLine(Report(25));
        try
        {
            if (Environment.GetEnvironmentVariable("IPSECFW_INTEROP_KEEP") is null && Directory.Exists(RunDirectory))
            {
                Directory.Delete(RunDirectory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The temporary directory, or /tmp when its path is long (a unix socket path has at most 107 bytes).</summary>
    private static string RunDirectoryParent => Path.GetTempPath() is { Length: < 40 } temp ? temp : "/tmp";

    private const string RunDirectoryPrefix = "ipsecfw-sw";

    /// <summary>Deletes run directories left by test processes that no longer run (a killed test host); true when done.</summary>
    private static bool SweepStaleRunDirectories()
    {
        if (Environment.GetEnvironmentVariable("IPSECFW_INTEROP_KEEP") is not null)
        {
            return true;
        }

        foreach (string dir in Directory.GetDirectories(RunDirectoryParent, RunDirectoryPrefix + "*"))
        {
            string name = Path.GetFileName(dir);
            string digits = new([.. name[RunDirectoryPrefix.Length..].TakeWhile(char.IsAsciiDigit)]);
            if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }

        return true;
    }

    /// <summary>left, nat or right from the namespace's role suffix (see <see cref="NetnsTopology"/>).</summary>
    private static string DefaultLabel(Netns ns) => ns.Name[(ns.Name.LastIndexOf('-') + 1)..] switch
    {
        "l" => "left",
        "n" => "nat",
        "r" => "right",
        string other => other,
    };

    private void Render()
    {
        if (Directory.Exists(RunDirectory))
        {
            Directory.Delete(RunDirectory, recursive: true);
        }

        Directory.CreateDirectory(RunDirectory);
        foreach (string sub in new[] { "x509ca", "x509", "private", "x509crl", "pubkey" })
        {
            Directory.CreateDirectory(Path.Combine(SwanctlDirectory, sub));
        }

        File.WriteAllText(ConfPath, Options.Render(RunDirectory));
        File.WriteAllText(Path.Combine(SwanctlDirectory, "swanctl.conf"), Config.Render());
        foreach (SwanctlFile file in Config.Files)
        {
            string path = Path.GetFullPath(Path.Combine(SwanctlDirectory, file.RelativePath));
            if (!path.StartsWith(SwanctlDirectory + "/", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"credential file outside the swanctl directory: {file.RelativePath}");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Content);
            if (file.RelativePath.StartsWith("private/", StringComparison.Ordinal))
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    private async Task StartCharonAsync()
    {
        string ip = Netns.IpTool;
        // $1 = run directory, $2 = strongswan.conf, $3 = charon. The first exec moves sh's own output to the file, so
        // charon inherits no pipe of ours; the bind mount gives charon its own /run (and so its own charon.pid).
        const string Script = "exec >>\"$1/charon.out\" 2>&1 </dev/null; mount -n --bind \"$1\" /run && exec env STRONGSWAN_CONF=\"$2\" \"$3\"";
        ProcessStartInfo info = ProcessRunner.StartInfo(ip, ["netns", "exec", Netns.Name, "/bin/sh", "-c", Script, "sh", RunDirectory, ConfPath, CharonPath]);
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        Pid = _process.Id;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        string vici = Path.Combine(RunDirectory, ViciFileName);
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 400 && watch.Elapsed < StartTimeout; i++)
        {
            if (File.Exists(vici))
            {
                return;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"charon exited with status {_process.ExitCode} before creating its vici socket");
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"charon did not create {vici} within {StartTimeout.TotalSeconds:0} s");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_launcherOutput)
        {
            if (_launcherOutput.Length < 8192)
            {
                _launcherOutput.AppendLine(line);
            }
        }
    }
}
