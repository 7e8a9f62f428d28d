using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.Versioning;
using IpsecFw.InteropTests.StrongSwan;
using IpsecFw.InteropTests.Support;

namespace IpsecFw.InteropTests.Daemon;

/// <summary>
/// A real nginx (Debian's <c>nginx</c>) inside a namespace serving one directory over HTTP on port 8080 and, with a
/// server certificate, HTTPS on 8443: the static web server a fleet pulls its bundle from (nginx answers
/// <c>If-None-Match</c> / <c>If-Modified-Since</c> with 304 from the file's ETag and Last-Modified). One process
/// (<c>master_process off</c>), started with <c>ip netns exec</c> (which execs, so the PID is nginx's), stopped by that
/// PID. Its access log records each request's status, which the tests read.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class BundleWebServer : IAsyncDisposable
{
    public const string NginxPath = "/usr/sbin/nginx";
    public const string BundleName = "policy.bundle";
    private readonly Process _process;
    private int _published;

    private BundleWebServer(string directory, Process process, IPAddress address)
    {
        Directory = directory;
        _process = process;
        Address = address;
    }

    /// <summary>The server's working directory (configuration, logs, <c>www/</c>).</summary>
    public string Directory { get; }

    /// <summary>The address it listens on.</summary>
    public IPAddress Address { get; }

    /// <summary>The bundle's HTTP URL.</summary>
    public string HttpUrl => $"http://{Address}:8080/{BundleName}";

    /// <summary>The bundle's HTTPS URL.</summary>
    public string HttpsUrl => $"https://{Address}:8443/{BundleName}";

    /// <summary>Why nginx cannot run here, or null.</summary>
    public static string? Missing() => File.Exists(NginxPath) ? null : $"{NginxPath} is not installed (Debian package nginx, in scripts/test.sh)";

    /// <summary>Starts nginx in <paramref name="ns"/> on <paramref name="address"/>; HTTPS too when <paramref name="tls"/> is given. Waits until it answers.</summary>
    public static async Task<BundleWebServer> StartAsync(Netns ns, IPAddress address, TestCertificate? tls = null)
    {
        string dir = System.IO.Directory.CreateTempSubdirectory("ipsecfw-nginx-").FullName;
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "www"));
        System.IO.Directory.CreateDirectory(Path.Combine(dir, "tmp"));
        string https = string.Empty;
        if (tls is not null)
        {
            File.WriteAllText(Path.Combine(dir, "server.pem"), tls.CertificatePem);
            File.WriteAllText(Path.Combine(dir, "server.key"), tls.PrivateKeyPem);
            File.SetUnixFileMode(Path.Combine(dir, "server.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            https = $$"""
                    server {
                        listen {{address}}:8443 ssl;
                        ssl_certificate {{dir}}/server.pem;
                        ssl_certificate_key {{dir}}/server.key;
                        root {{dir}}/www;
                    }
                """;
        }

        string conf = $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/error.log info;
            events { worker_connections 64; }
            http {
                default_type application/octet-stream;
                log_format pull escape=none '$status $request_method $uri inm=$http_if_none_match ims=$http_if_modified_since';
                access_log {{dir}}/access.log pull;
                client_body_temp_path {{dir}}/tmp/body;
                proxy_temp_path {{dir}}/tmp/proxy;
                fastcgi_temp_path {{dir}}/tmp/fastcgi;
                uwsgi_temp_path {{dir}}/tmp/uwsgi;
                scgi_temp_path {{dir}}/tmp/scgi;
                server {
                    listen {{address}}:8080;
                    root {{dir}}/www;
                }
            {{https}}
            }
            """;
        string confPath = Path.Combine(dir, "nginx.conf");
        File.WriteAllText(confPath, conf);
        Process process = Process.Start(ProcessRunner.StartInfo(ns.IpTool, ["netns", "exec", ns.Name, NginxPath, "-c", confPath, "-p", dir]))
            ?? throw new InvalidOperationException("nginx did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new BundleWebServer(dir, process, address);
        try
        {
            // Ready when the port answers (any status); bounded.
            DateTime until = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                ProcessResult probe = await ns.ExecAsync("bash", ["-c", $"exec 3<>/dev/tcp/{address}/8080"], TimeSpan.FromSeconds(5));
                if (probe.ExitCode == 0)
                {
                    break;
                }

                if (process.HasExited || DateTime.UtcNow > until)
                {
                    throw new InvalidOperationException($"nginx did not come up: {server.ErrorLog()}");
                }

                await Task.Delay(200);
            }

            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Puts <paramref name="bundle"/> in place atomically (a temporary file renamed over the old one). Each publication
    /// gets a modification time one second after the previous one: nginx's ETag is made of the time (in seconds) and
    /// the size, so two bundles of one size written within a second would otherwise look the same.
    /// </summary>
    public void Publish(ReadOnlySpan<byte> bundle)
    {
        string target = Path.Combine(Directory, "www", BundleName);
        string temp = target + ".tmp";
        File.WriteAllBytes(temp, bundle.ToArray());
        _published++;
        File.SetLastWriteTimeUtc(temp, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(_published));
        File.Move(temp, target, overwrite: true);
    }

    /// <summary>The status codes of the requests so far, in order.</summary>
    public IReadOnlyList<int> Statuses() =>
        File.Exists(Path.Combine(Directory, "access.log"))
            ? [.. File.ReadAllLines(Path.Combine(Directory, "access.log"))
                .Where(l => l.Length >= 3)
                .Select(l => int.Parse(l.AsSpan(0, 3), NumberStyles.None, CultureInfo.InvariantCulture))]
            : [];

    /// <summary>The access log.</summary>
    public string AccessLog() => File.Exists(Path.Combine(Directory, "access.log")) ? File.ReadAllText(Path.Combine(Directory, "access.log")) : string.Empty;

    /// <summary>The error log.</summary>
    public string ErrorLog() => File.Exists(Path.Combine(Directory, "error.log")) ? File.ReadAllText(Path.Combine(Directory, "error.log")) : string.Empty;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            ProcessRunner.Kill(_process);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }
}
