using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.Versioning;
using System.Text;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// A real rsyslog (Debian package <c>rsyslog</c>) as the central collector of intrusion-detection events, run in the
/// foreground (<c>rsyslogd -n -f CONF -i PIDFILE</c>) inside a namespace of the test with a configuration of its own:
/// imudp and imtcp on one address and port, <c>mmpstrucdata</c> to parse the RFC 5424 STRUCTURED-DATA, and a template
/// that writes one line per message: <c>inputname|facility|severity|hostname|app-name|msgid|{parsed SD as JSON}|msg</c>.
/// Or (<see cref="StartTlsAsync"/>) syslog over TLS only (RFC 5425), with rsyslog's gnutls stream driver (Debian package
/// <c>rsyslog-gnutls</c>) and a certificate the test made. Stopped by its PID (SIGTERM, then SIGKILL).
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class RsyslogCollector : IAsyncDisposable
{
    /// <summary>Where Debian installs rsyslogd.</summary>
    public const string Daemon = "/usr/sbin/rsyslogd";

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RsyslogCollector(string directory, Process process)
    {
        Directory = directory;
        _process = process;
    }

    /// <summary>The collector's directory: configuration, pid file, the received lines.</summary>
    public string Directory { get; }

    /// <summary>The file of received messages, one line each.</summary>
    public string Received => Path.Combine(Directory, "received.log");

    /// <summary>rsyslogd's own standard output and error.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Null when rsyslogd is installed, else why the test cannot run.</summary>
    public static string? Missing() => File.Exists(Daemon) ? null : $"rsyslog is not installed ({Daemon} is absent; apt-get install rsyslog)";

    /// <summary>The gnutls stream driver's module (package rsyslog-gnutls).</summary>
    public const string GnutlsDriver = "/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so";

    /// <summary>Null when rsyslogd and its gnutls driver are installed, else why the test cannot run.</summary>
    public static string? MissingTls() => Missing() ?? (File.Exists(GnutlsDriver) ? null : $"rsyslog-gnutls is not installed ({GnutlsDriver} is absent; apt-get install rsyslog-gnutls)");

    /// <summary>Starts rsyslogd in <paramref name="ns"/>, listening on <paramref name="address"/>:<paramref name="port"/> (UDP and TCP), and waits until both are bound.</summary>
    public static Task<RsyslogCollector> StartAsync(Netns ns, IPAddress address, int port)
    {
        string portText = port.ToString(CultureInfo.InvariantCulture);
        return StartAsync(ns, port, udp: true, dir => $$"""
            global(workDirectory="{{dir}}")
            module(load="imudp")
            module(load="imtcp")
            """, $$"""
            input(type="imudp" address="{{address}}" port="{{portText}}" ruleset="ids")
            input(type="imtcp" address="{{address}}" port="{{portText}}" ruleset="ids")
            """);
    }

    /// <summary>
    /// Starts rsyslogd in <paramref name="ns"/> with one TLS listener on <paramref name="address"/>:<paramref name="port"/>
    /// (RFC 5425 octet-counted frames), presenting <paramref name="server"/> (PEM certificate and key files) and asking
    /// every client for a certificate that chains to <paramref name="caFile"/> (<c>x509/certvalid</c>).
    /// </summary>
    public static Task<RsyslogCollector> StartTlsAsync(Netns ns, IPAddress address, int port, string caFile, (string Certificate, string Key) server)
    {
        string portText = port.ToString(CultureInfo.InvariantCulture);
        return StartAsync(ns, port, udp: false, dir => $$"""
            global(workDirectory="{{dir}}"
                   defaultNetstreamDriver="gtls"
                   defaultNetstreamDriverCAFile="{{caFile}}"
                   defaultNetstreamDriverCertFile="{{server.Certificate}}"
                   defaultNetstreamDriverKeyFile="{{server.Key}}")
            module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="x509/certvalid")
            """, $$"""
            input(type="imtcp" address="{{address}}" port="{{portText}}" ruleset="ids")
            """);
    }

    private static async Task<RsyslogCollector> StartAsync(Netns ns, int port, bool udp, Func<string, string> modules, string inputs)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("ipsecfw-rsyslog-").FullName;
        string received = Path.Combine(dir, "received.log");
        string conf = Path.Combine(dir, "rsyslog.conf");
        string portText = port.ToString(CultureInfo.InvariantCulture);
        File.WriteAllText(conf, modules(dir) + "\n" + $$"""
            module(load="mmpstrucdata")
            template(name="ids" type="list") {
              property(name="inputname") constant(value="|")
              property(name="syslogfacility-text") constant(value="|")
              property(name="syslogseverity-text") constant(value="|")
              property(name="hostname") constant(value="|")
              property(name="app-name") constant(value="|")
              property(name="msgid") constant(value="|")
              property(name="$!rfc5424-sd") constant(value="|")
              property(name="msg") constant(value="\n")
            }
            ruleset(name="ids") {
              action(type="mmpstrucdata")
              action(type="omfile" file="{{received}}" template="ids")
            }
            """ + "\n" + inputs + "\n");
        ProcessStartInfo info = ProcessRunner.StartInfo(ns.IpTool, ["netns", "exec", ns.Name, Daemon, "-n", "-f", conf, "-i", Path.Combine(dir, "rsyslogd.pid")]);
        var process = new Process { StartInfo = info };
        var collector = new RsyslogCollector(dir, process);
        process.OutputDataReceived += (_, e) => collector.Append(e.Data);
        process.ErrorDataReceived += (_, e) => collector.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Ready when its sockets are bound (ss in the namespace), at most 10 s.
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
            {
                await collector.DisposeAsync();
                throw new InvalidOperationException($"rsyslogd exited with status {process.ExitCode}: {collector.Output}");
            }

            ProcessResult ss = await ns.ExecAsync("ss", ["-Hlnut", "sport", "=", ":" + portText], TimeSpan.FromSeconds(5));
            string[] lines = ss.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if ((!udp || lines.Any(l => l.StartsWith("udp", StringComparison.Ordinal))) && lines.Any(l => l.StartsWith("tcp", StringComparison.Ordinal)))
            {
                return collector;
            }

            await Task.Delay(100);
        }

        await collector.DisposeAsync();
        throw new InvalidOperationException($"rsyslogd did not bind port {port} within 10 s: {collector.Output}");
    }

    /// <summary>The received lines so far.</summary>
    public IReadOnlyList<string> Lines() =>
        File.Exists(Received) ? File.ReadAllLines(Received) : [];

    /// <summary>Waits (at most <paramref name="bound"/>) until a received line satisfies <paramref name="match"/>, and returns it (null: none came).</summary>
    public async Task<string?> WaitLineAsync(Func<string, bool> match, TimeSpan bound)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (Lines().FirstOrDefault(match) is { } line)
            {
                return line;
            }

            if (watch.Elapsed >= bound)
            {
                return null;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Stops rsyslogd by its PID (SIGTERM, SIGKILL after 5 s) and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await ProcessRunner.RunAsync("/bin/kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    await _process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    ProcessRunner.Kill(_process);
                    _process.WaitForExit(TimeSpan.FromSeconds(5));
                }
            }
        }
        finally
        {
            _process.Dispose();
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // rsyslogd's last write raced the delete; the temporary directory is left.
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
