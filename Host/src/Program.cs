namespace IpsecFw.Host;

/// <summary>The <c>ipsecfw</c> executable's entry point.</summary>
internal static class Program
{
    private static int Main(string[] args) => Cli.IpsecFwCli.Run(args);
}
