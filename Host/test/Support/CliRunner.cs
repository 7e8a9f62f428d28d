using IpsecFw.Host.Cli;

namespace IpsecFw.Host.Tests.Support;

/// <summary>Runs the ipsecfw command line in process with captured output.</summary>
internal static class CliRunner
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = IpsecFwCli.Run(args, output, error);
        return (code, output.ToString().ReplaceLineEndings("\n"), error.ToString().ReplaceLineEndings("\n"));
    }
}
