using System.CommandLine;
using System.Runtime.InteropServices;
using IpsecFw.Host.Demo;

namespace IpsecFw.Host.Cli;

/// <summary>
/// <c>ipsecfw demo</c>: the paper's organisation on this machine, Figure 1 and Figure 2 tried with real traffic
/// (<see cref="DemoRunner"/>). Exit codes: 0 every verdict is the paper's, <see cref="ExitCodes.DemoMismatch"/> one
/// differs, <see cref="ExitCodes.DemoCannotRun"/> not root or a tool missing, <see cref="ExitCodes.DemoSetupFailed"/>
/// the organisation did not come up, <see cref="ExitCodes.DemoInterrupted"/> SIGINT/SIGTERM (after the clean-up).
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var keep = new Option<bool>("--keep") { Description = "Keep the run's files (certificates, configurations, bundles, daemon logs) and print where." };
        var command = new Command("demo",
            "Builds the paper's organisation in network namespaces, runs ipsecfw in its hosts, ships Figure 1 and then Figure 2 " +
            "as signed bundles and tries the paper's connections with real TCP and UDP (root; under a minute).") { keep };
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output, error = parse.InvocationConfiguration.Error;
            if (DemoPrerequisites.Missing() is { } missing)
            {
                error.WriteLine("ipsecfw demo: " + missing);
                return ExitCodes.DemoCannotRun;
            }

            if (!OperatingSystem.IsLinux())
            {
                return ExitCodes.DemoCannotRun;
            }

            // Synchronous on purpose: the signals are handled here, so the clean-up always runs to its end.
            using var stop = new CancellationTokenSource();
            void OnSignal(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }

            using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            var runner = new DemoRunner(new DemoOptions(DemoExecutable.Current(), output, parse.GetValue(keep)));
            try
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                DemoReport report = runner.RunAsync(stop.Token).GetAwaiter().GetResult();
                double seconds = clock.Elapsed.TotalSeconds;
                int differ = report.Rows.Count(r => !r.Matches);
                output.WriteLine(differ == 0
                    ? $"RESULT: all {report.Rows.Count()} verdicts are the paper's ({seconds:0} s, clean-up included)."
                    : $"RESULT: {differ} of {report.Rows.Count()} verdicts differ from the paper's (rows marked '!'; {seconds:0} s, clean-up included).");
                return differ == 0 ? ExitCodes.Ok : ExitCodes.DemoMismatch;
            }
            catch (DemoException e)
            {
                error.WriteLine("ipsecfw demo: " + e.Message);
                return ExitCodes.DemoSetupFailed;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                error.WriteLine("ipsecfw demo: interrupted; the namespaces, daemons and files it made are removed.");
                return ExitCodes.DemoInterrupted;
            }
        });
        return command;
    }
}
