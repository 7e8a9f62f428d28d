using System.CommandLine;
using IpsecFw.Host.Configuration;

namespace IpsecFw.Host.Cli;

/// <summary><c>ipsecfw config check FILE</c>.</summary>
internal static class ConfigCommands
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "The configuration file (JSON)." };
        var check = new Command("check", "Checks a configuration file: syntax, keys, types, addresses, files, proposals.") { file };
        check.SetAction(parse =>
        {
            ConfigLoadResult result = ConfigLoader.Load(parse.GetValue(file)!);
            return Report(result, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error)
                ? ExitCodes.Ok
                : ExitCodes.UserError;
        });
        return new Command("config", "Configuration files.") { check };
    }

    /// <summary>Prints the errors (or "ok"); true when the configuration loaded.</summary>
    public static bool Report(ConfigLoadResult result, TextWriter output, TextWriter error)
    {
        foreach (string line in result.FormatErrors())
        {
            error.WriteLine(line);
        }

        if (!result.Succeeded)
        {
            error.WriteLine($"{result.File}: {result.Errors.Count} error{(result.Errors.Count == 1 ? "" : "s")}");
            return false;
        }

        HostConfig c = result.Config!;
        output.WriteLine($"{result.File}: ok ({c.Peers.Count} peer{(c.Peers.Count == 1 ? "" : "s")}, {c.Pools.Count} pool{(c.Pools.Count == 1 ? "" : "s")}, policy from {(c.Policy.Source is not null ? "source" : "bundle")})");
        return true;
    }
}
