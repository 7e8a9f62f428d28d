using IpsecFw.Host.Cli;
using IpsecFw.Host.Tests.Support;

namespace IpsecFw.Host.Tests.Cli;

/// <summary><c>ipsecfw policy nft</c>: the ruleset a host would install, for Figure 1, by name and by certificate file.</summary>
public sealed class PolicyNftCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _source;

    public PolicyNftCommandTests() => _source = _dir.Write("figure1.pol", Figure1.Source);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void At_the_mail_gateway_by_name_smtp_and_ntp_are_accepted_in_clear()
    {
        (int code, string output, string error) = CliRunner.Run("policy", "nft", _source, "--self", "mail-gw.example.com",
            "--address", "198.18.0.25", "--tun", "ipsecfw0", "--table", "gw");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(string.Empty, error);
        Assert.StartsWith("# ipsecfw: the policy for traffic in clear (policy version 1).", output, StringComparison.Ordinal);
        Assert.Contains("\ndelete table inet gw\n", output, StringComparison.Ordinal);
        Assert.Contains("\t\ttcp dport 25 ct state new counter accept comment \"ipsecfw rule 0 line 5\"\n", output, StringComparison.Ordinal);
        Assert.Contains("\t\tip saddr { 192.0.2.123 } udp dport 123 ct state new counter accept comment \"ipsecfw rule 2 line 7\"\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void By_certificate_file_the_certificates_names_decide()
    {
        (string certificate, _) = TestCertificates.Write(_dir.Path, "host1", "host1.example.com");
        (int code, string output, _) = CliRunner.Run("policy", "nft", _source, "--self", certificate);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("# Rules this host enforces inbound: 1 (line 6), 2 (line 7); outbound: 3 (line 8).", output, StringComparison.Ordinal);
        Assert.DoesNotContain("dport 25 ct state new counter accept", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--address", "300.1.2.3", "ipsecfw: --address: '300.1.2.3' is not an IP address\n")]
    [InlineData("--table", "a;b", "ipsecfw: table: 'a;b' is not a table name (1 to 32 letters, digits or '_', starting with a letter)\n")]
    [InlineData("--tun", "t\"0", "ipsecfw: tun device: 't\"0' is not an interface name nftables may be given (1 to 15 letters, digits, '_', '.' or '-')\n")]
    public void Bad_arguments_are_user_errors(string option, string value, string message)
    {
        (int code, string output, string error) = CliRunner.Run("policy", "nft", _source, option, value);
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Equal(string.Empty, output);
        Assert.Equal(message, error);
    }
}
