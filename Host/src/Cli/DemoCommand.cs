using System.CommandLine;

namespace IpsecFw.Host.Cli;

/// <summary><c>ipsecfw demo</c>: not implemented yet, and it says so (exit code <see cref="ExitCodes.NotImplemented"/>).</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "The end-to-end demonstration of two hosts (not implemented yet).");
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Error.WriteLine(
                "ipsecfw demo: not implemented yet. The demonstration needs the IKE engine, which is not in the daemon yet; " +
                "the ESP interop demonstration is scripts/demo.sh.");
            return ExitCodes.NotImplemented;
        });
        return command;
    }
}
