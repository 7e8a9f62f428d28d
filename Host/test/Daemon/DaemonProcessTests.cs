using System.Diagnostics;
using System.Text.Json;
using IpsecFw.Host.Cli;
using IpsecFw.Host.Tests.Support;

namespace IpsecFw.Host.Tests.Daemon;

/// <summary>
/// The real executable as a child process: <c>ipsecfw run</c> with a temporary configuration, queried with
/// <c>ipsecfw status --json</c>, reloaded with SIGHUP, stopped with SIGTERM; the process is killed by its PID if any
/// step fails.
/// </summary>
public sealed class DaemonProcessTests : IDisposable
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Run_answers_status_reloads_on_sighup_and_stops_cleanly_on_sigterm()
    {
        string policy = _dir.Write("p.pol", Figure1.Source);
        string socket = _dir.File("run/control.sock");
        string config = _dir.Write("config.json", $$"""
            {
              "policy": { "source": "p.pol" },
              "firewall": { "nftables": false },
              "control": { "socket": "{{socket}}" },
              "tun": { "name": "ifwtest0", "mtu": 1400, "addresses": [ "198.18.7.1/24" ] },
              "logging": { "level": "debug" }
            }
            """);
        using Process daemon = Start("run", "--config", config);
        var stderr = new System.Text.StringBuilder();
        daemon.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
        daemon.BeginErrorReadLine();
        try
        {
            JsonElement status = await WaitForStatusAsync(socket, daemon);
            Assert.Equal(daemon.Id, status.GetProperty("processId").GetInt32());
            Assert.Equal("source", status.GetProperty("policy").GetProperty("origin").GetString());
            Assert.Equal(1, status.GetProperty("policy").GetProperty("version").GetInt64());
            Assert.Equal(4, status.GetProperty("policy").GetProperty("rules").GetInt32());
            Assert.False(status.GetProperty("ikeEngine").GetBoolean());
            Assert.Equal(0, status.GetProperty("ikeSas").GetInt32());
            Assert.Equal(0, status.GetProperty("counters").GetProperty("esp").GetProperty("inbound_sas").GetInt64());

            (int code, string sas, _) = CliRunner.Run("sas", "--json", "--socket", socket);
            Assert.Equal(ExitCodes.Ok, code);
            Assert.Equal("[]\n", sas);

            // SIGHUP with a changed source: the new policy runs.
            File.WriteAllText(policy, Figure1.SourceWithSsh);
            Signal(daemon.Id, "HUP");
            await WaitUntilAsync(async () => (await StatusAsync(socket))?.GetProperty("policy").GetProperty("rules").GetInt32() == 5, daemon);

            // A source that no longer compiles: reload says so (exit 3), the running policy stays.
            File.WriteAllText(policy, "allow smtp(nobody, *);");
            (code, _, string error) = CliRunner.Run("reload", "--socket", socket);
            Assert.Equal(ExitCodes.DaemonError, code);
            Assert.Contains("does not compile", error, StringComparison.Ordinal);
            Assert.Equal(5, (await StatusAsync(socket))!.Value.GetProperty("policy").GetProperty("rules").GetInt32());

            Signal(daemon.Id, "TERM");
            Assert.True(daemon.WaitForExit(s_bound), "the daemon did not stop within the bound after SIGTERM");
            daemon.WaitForExit();
            Assert.Equal(0, daemon.ExitCode);
            Assert.False(File.Exists(socket), "the socket file is removed on a clean stop");
        }
        catch (Exception e)
        {
            KillIfRunning(daemon);
            lock (stderr)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}\n--- daemon log ---\n{stderr}", e);
            }
        }
    }

    [Fact]
    public void Run_without_a_policy_to_enforce_exits_with_start_failed()
    {
        File.WriteAllBytes(_dir.File("p.bundle"), [1, 2, 3]);
        using (var key = Spd.Distribution.BundleSigner.GenerateKeyPair())
        {
            File.WriteAllText(_dir.File("signer.pub"), key.PublicKey.ToKeyFile());
        }

        string config = _dir.Write("config.json", $$"""
            { "policy": { "bundle": "p.bundle", "signerKey": "signer.pub", "stateDirectory": "state" },
              "firewall": { "nftables": false },
              "control": { "socket": "{{_dir.File("run/c.sock")}}" } }
            """);
        using Process daemon = Start("run", "--config", config);
        try
        {
            string error = daemon.StandardError.ReadToEnd();
            Assert.True(daemon.WaitForExit(s_bound));
            Assert.Equal(ExitCodes.StartFailed, daemon.ExitCode);
            Assert.Contains("ipsecfw run: cannot start: no policy to enforce: the bundle", error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        }
        finally
        {
            KillIfRunning(daemon);
        }
    }

    private static Process Start(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "ipsecfw.dll");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        return Process.Start(info) ?? throw new InvalidOperationException("the daemon did not start");
    }

    private static async Task<JsonElement> WaitForStatusAsync(string socket, Process daemon)
    {
        JsonElement? status = null;
        await WaitUntilAsync(async () => (status = await StatusAsync(socket)) is not null, daemon);
        return status!.Value;
    }

    private static Task<JsonElement?> StatusAsync(string socket)
    {
        (int code, string output, _) = CliRunner.Run("status", "--json", "--socket", socket);
        return Task.FromResult<JsonElement?>(code == ExitCodes.Ok ? JsonDocument.Parse(output).RootElement.Clone() : null);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, Process daemon)
    {
        long start = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            if (daemon.HasExited)
            {
                throw new InvalidOperationException($"the daemon exited with {daemon.ExitCode}");
            }

            if (TimeProvider.System.GetElapsedTime(start) > s_bound)
            {
                throw new TimeoutException($"condition not met within {s_bound.TotalSeconds} s");
            }

            await Task.Delay(100);
        }
    }

    private static void Signal(int pid, string signal)
    {
        // The shell's built-in kill: no dependency on procps.
        using Process kill = Process.Start("/bin/sh", ["-c", $"kill -{signal} {pid.ToString(System.Globalization.CultureInfo.InvariantCulture)}"]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    private static void KillIfRunning(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
