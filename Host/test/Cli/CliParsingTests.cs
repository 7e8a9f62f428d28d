using IpsecFw.Host.Cli;
using IpsecFw.Host.Tests.Support;

namespace IpsecFw.Host.Tests.Cli;

/// <summary>Parsing and exit codes of the command line, run in process with captured output.</summary>
public sealed class CliParsingTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("policy", "--help")]
    [InlineData("run", "--help")]
    public void Help_succeeds(params string[] args)
    {
        (int code, string output, _) = CliRunner.Run(args);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("run")]
    [InlineData("policy", "compile", "x.pol")]
    [InlineData("policy", "sign", "x.ifwp", "--key", "k", "-o", "out")]
    [InlineData("policy", "sign", "x.ifwp", "--key", "k", "--version", "many", "-o", "out")]
    [InlineData("policy", "explain", "x.pol")]
    [InlineData("config", "check")]
    [InlineData("status", "--bogus")]
    public void Bad_arguments_are_a_user_error_without_a_stack_trace(params string[] args)
    {
        (int code, _, string error) = CliRunner.Run(args);
        Assert.Equal(ExitCodes.UserError, code);
        Assert.NotEmpty(error);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_takes_no_arguments_but_keep()
    {
        (int code, _, string error) = CliRunner.Run("demo", "--bogus");
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Contains("--bogus", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("sas")]
    [InlineData("reload")]
    [InlineData("status", "--json")]
    public void No_daemon_is_exit_code_2(params string[] args)
    {
        using var dir = new TempDirectory();
        string socket = dir.File("none.sock");
        (int code, string output, string error) = CliRunner.Run([.. args, "--socket", socket]);
        Assert.Equal(ExitCodes.DaemonUnreachable, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal($"ipsecfw: no daemon is running: the control socket '{socket}' does not exist\n", error);
    }

    [Fact]
    public void Status_reads_the_socket_path_from_the_configuration()
    {
        using var dir = new TempDirectory();
        dir.Write("p.pol", Figure1.Source);
        string socket = dir.File("cfg.sock");
        string config = dir.Write("c.json", $$"""{ "policy": { "source": "p.pol" }, "control": { "socket": "{{socket}}" } }""");
        (int code, _, string error) = CliRunner.Run("status", "--config", config);
        Assert.Equal(ExitCodes.DaemonUnreachable, code);
        Assert.Contains(socket, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_configuration_checks_ok()
    {
        using var dir = new TempDirectory();
        dir.Write("p.pol", Figure1.Source);
        string config = dir.Write("c.json", """{ "policy": { "source": "p.pol" }, "control": { "socket": "/run/ipsecfw/control.sock" } }""");
        (int code, string output, string error) = CliRunner.Run("config", "check", config);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal($"{config}: ok (0 peers, 0 pools, policy from source)\n", output);
        Assert.Equal(string.Empty, error);
    }
}
