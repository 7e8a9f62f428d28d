using System.CommandLine;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Daemon;
using Microsoft.Extensions.Hosting;

namespace IpsecFw.Host.Cli;

/// <summary><c>ipsecfw run --config FILE</c>: the daemon, in the foreground, until SIGTERM or SIGINT.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config", "-c") { Description = "The configuration file.", Required = true };
        var command = new Command("run", "Runs the daemon in the foreground (under systemd: Type=notify).") { config };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(config)!;
            TextWriter error = parse.InvocationConfiguration.Error;
            ConfigLoadResult loaded = ConfigLoader.Load(path);
            if (!ConfigCommands.Report(loaded, TextWriter.Null, error))
            {
                return ExitCodes.UserError;
            }

            NativeHeap.Configure();
            try
            {
                using IHost host = DaemonHost.Build(path, loaded.Config!);
                host.Run();
                return ExitCodes.Ok;
            }
            catch (Exception e) when (StartFailure(e) is { } cause)
            {
                error.WriteLine("ipsecfw run: cannot start: " + cause.Message);
                return ExitCodes.StartFailed;
            }
        });
        return command;
    }

    /// <summary>The failure a service reported at start, unwrapped from the host's aggregate; null for anything else.</summary>
    private static Exception? StartFailure(Exception e) => e switch
    {
        PolicyLoadException or IkeStartException or FirewallStartException or IOException or UnauthorizedAccessException => e,
        AggregateException { InnerExceptions.Count: 1 } a => StartFailure(a.InnerExceptions[0]),
        _ => null,
    };
}
