using System.CommandLine;
using System.Globalization;
using System.Runtime.Versioning;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Cli;

/// <summary>
/// <c>ipsecfw bench ike --config FILE --peer NAME [--count N] [--parallel P] [--seconds S] [--warmup W]</c>: IKE SA setups per second
/// against a running responder (<see cref="IkeLoadTester"/>), one line of results on standard output.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "A configuration with identity, trust and the responder as a peer.", Required = true };
        var peer = new Option<string>("--peer") { Description = "The peer (by name) to initiate to.", Required = true };
        var count = new Option<int>("--count") { Description = "Most IKE SAs to set up.", DefaultValueFactory = _ => 10_000 };
        var parallel = new Option<int>("--parallel") { Description = "IKE SAs in flight at once.", DefaultValueFactory = _ => 8 };
        var seconds = new Option<double>("--seconds") { Description = "Longest time to initiate, in seconds.", DefaultValueFactory = _ => 15 };
        var warmup = new Option<int>("--warmup") { Description = "IKE SAs set up one by one before the measured window, not counted (JIT).", DefaultValueFactory = _ => 0 };
        var ike = new Command("ike", "IKE SA setups per second (IKE_SA_INIT + IKE_AUTH + one CHILD_SA, each deleted once up) against a running responder.")
        {
            config, peer, count, parallel, seconds, warmup,
        };
        ike.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, error = parse.InvocationConfiguration.Error;
            int n = parse.GetValue(count), p = parse.GetValue(parallel), w = parse.GetValue(warmup);
            double s = parse.GetValue(seconds);
            if (n < 1 || p < 1 || p > 1000 || w < 0 || w > 1000 || !(s > 0 && s <= 3600))
            {
                throw new CliException("bench ike: --count must be at least 1, --parallel 1..1000, --warmup 0..1000, --seconds above 0 and at most 3600", ExitCodes.UserError);
            }

            if (!OperatingSystem.IsLinux())
            {
                throw new CliException("bench ike: runs on Linux only", ExitCodes.UserError);
            }

            ConfigLoadResult loaded = ConfigLoader.Load(parse.GetValue(config)!);
            if (!ConfigCommands.Report(loaded, TextWriter.Null, error))
            {
                return ExitCodes.UserError;
            }

            try
            {
                IkeLoadResult r = Run(loaded.Config!, parse.GetValue(peer)!, n, p, w, TimeSpan.FromSeconds(s));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"started={r.Started} established={r.Established} child_sas={r.ChildSas} failed={r.Failed} elapsed={r.Elapsed.TotalSeconds:F2}s rate={r.Rate:F1} left_open={r.LeftOpen}"));
                return r.Established > 0 ? ExitCodes.Ok : ExitCodes.DaemonError;
            }
            catch (IkeStartException e)
            {
                error.WriteLine("ipsecfw bench ike: " + e.Message);
                return ExitCodes.StartFailed;
            }
        });
        return new Command("bench", "Measurements against a running daemon.") { ike };
    }

    [SupportedOSPlatform("linux")]
    private static IkeLoadResult Run(HostConfig config, string peer, int count, int parallel, int warmup, TimeSpan duration)
    {
        using ILoggerFactory loggers = LoggerFactory.Create(b => b
            .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
            .SetMinimumLevel(LogLevel.Warning));
        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler cancel = (_, e) =>
        {
            e.Cancel = true;
            interrupt.Cancel();
        };
        Console.CancelKeyPress += cancel;
        try
        {
            return RunAsync(config, peer, count, parallel, warmup, duration, loggers, interrupt.Token).GetAwaiter().GetResult();
        }
        finally
        {
            Console.CancelKeyPress -= cancel;
        }
    }

    [SupportedOSPlatform("linux")]
    private static async Task<IkeLoadResult> RunAsync(HostConfig config, string peer, int count, int parallel, int warmup, TimeSpan duration,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        await using IkeLoadTester tester = IkeLoadTester.Create(config, peer, loggers);
        return await tester.RunAsync(count, parallel, warmup, duration, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
    }
}
