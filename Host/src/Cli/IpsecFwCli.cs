using System.CommandLine;

namespace IpsecFw.Host.Cli;

/// <summary>
/// The <c>ipsecfw</c> command line: <c>run</c>, <c>status</c>, <c>sas</c>, <c>reload</c>, <c>terminate</c>, <c>policy</c>
/// (<c>compile</c>, <c>sign</c>, <c>keygen</c>, <c>check</c>, <c>explain</c>), <c>config check</c>, <c>demo</c> and <c>bench ike</c>.
/// Every failure is a plain message on standard error and an exit code from <see cref="ExitCodes"/>.
/// </summary>
public static class IpsecFwCli
{
    /// <summary>The root command with every subcommand.</summary>
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("IpsecFw: an IPsec endpoint and distributed firewall (Bellovin, \"Distributed Firewalls\").");
        root.Subcommands.Add(RunCommand.Create());
        foreach (Command c in StatusCommands.Create())
        {
            root.Subcommands.Add(c);
        }

        root.Subcommands.Add(PolicyCommands.Create());
        root.Subcommands.Add(ConfigCommands.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>, writing to the given writers (the console by default).</summary>
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        output ??= Console.Out;
        error ??= Console.Error;
        try
        {
            ParseResult parsed = CreateRootCommand().Parse(args);
            return parsed.Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (CliException e)
        {
            error.WriteLine("ipsecfw: " + e.Message);
            return e.ExitCode;
        }
        catch (Exception e)
        {
            error.WriteLine($"ipsecfw: internal error ({e.GetType().Name}): {e.Message}");
            if (Environment.GetEnvironmentVariable("IPSECFW_DEBUG") == "1") { error.WriteLine(e.ToString()); }
            return ExitCodes.InternalError;
        }
    }
}
