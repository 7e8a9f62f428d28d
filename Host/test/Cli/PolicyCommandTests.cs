using IpsecFw.Host.Cli;
using IpsecFw.Host.Tests.Support;
using IpsecFw.Spd.Distribution;

namespace IpsecFw.Host.Tests.Cli;

/// <summary><c>ipsecfw policy compile|keygen|sign|check|explain</c> on the paper's Figure 1.</summary>
public sealed class PolicyCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _source;

    public PolicyCommandTests() => _source = _dir.Write("figure1.pol", Figure1.Source);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Compile_keygen_sign_and_the_bundle_verifies()
    {
        string compiled = _dir.File("figure1.ifwp");
        (int code, string output, string error) = CliRunner.Run("policy", "compile", _source, "-o", compiled);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(string.Empty, error);
        Assert.StartsWith($"wrote {compiled}: 4 rules, source sha256 ", output, StringComparison.Ordinal);
        Assert.True(CompiledPolicy.TryLoad(File.ReadAllBytes(compiled), out CompiledPolicy? policy, out _));
        Assert.Equal(CompiledPolicy.Canonicalize(Figure1.Source), policy.Source);

        string key = _dir.File("signer.key");
        (code, output, _) = CliRunner.Run("policy", "keygen", "-o", key);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("public key " + key + ".pub", output, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));

        string bundle = _dir.File("figure1.bundle");
        (code, output, error) = CliRunner.Run("policy", "sign", compiled, "--key", key, "--version", "7",
            "--not-after", "2099-01-01T00:00:00Z", "-o", bundle);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(string.Empty, error);
        Assert.EndsWith("expires 2099-01-01 00:00:00Z\n", output, StringComparison.Ordinal);

        Assert.True(BundlePublicKey.TryReadFile(key + ".pub", out BundlePublicKey? publicKey, out _));
        BundleVerdict verdict = BundleVerifier.Verify(File.ReadAllBytes(bundle), publicKey, 0, TimeProvider.System.GetUtcNow());
        Assert.True(verdict.IsAccepted, verdict.ToString());
        Assert.Equal(7UL, verdict.Bundle!.Serial);
    }

    [Fact]
    public void Keygen_refuses_to_overwrite_a_key()
    {
        string key = _dir.File("k");
        Assert.Equal(ExitCodes.Ok, CliRunner.Run("policy", "keygen", "-o", key).Code);
        (int code, _, string error) = CliRunner.Run("policy", "keygen", "-o", key);
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Equal($"ipsecfw: {key} exists already; refusing to overwrite a key\n", error);
    }

    [Fact]
    public void Sign_refuses_a_source_file_and_a_past_expiry()
    {
        string key = _dir.File("k");
        CliRunner.Run("policy", "keygen", "-o", key);
        (int code, _, string error) = CliRunner.Run("policy", "sign", _source, "--key", key, "--version", "1", "-o", _dir.File("b"));
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Contains("(is it the output of 'ipsecfw policy compile'?)", error, StringComparison.Ordinal);

        string compiled = _dir.File("c.ifwp");
        CliRunner.Run("policy", "compile", _source, "-o", compiled);
        (code, _, error) = CliRunner.Run("policy", "sign", compiled, "--key", key, "--version", "1", "--not-after", "2001-01-01", "-o", _dir.File("b"));
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Equal("ipsecfw: --not-after: 2001-01-01 00:00:00Z is not in the future\n", error);
    }

    [Fact]
    public void Check_accepts_figure_1()
    {
        (int code, string output, string error) = CliRunner.Run("policy", "check", _source);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(string.Empty, error);
        Assert.Equal($"{_source}: ok (0 warning(s))\n", output);
    }

    [Fact]
    public void Check_prints_file_line_column_and_a_caret_and_fails()
    {
        string bad = _dir.Write("bad.pol", Figure1.Source.Replace("allow smtp(mail_gw, inside_net);", "allow smtp(mail_gw, insde_net);", StringComparison.Ordinal));
        (int code, string output, string error) = CliRunner.Run("policy", "check", bad);
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Equal(string.Empty, output);
        string[] lines = error.Split('\n');
        Assert.StartsWith($"{bad}:6:21: error: ", lines[0], StringComparison.Ordinal);
        Assert.Equal("allow smtp(mail_gw, insde_net);", lines[1]);
        Assert.Equal("                    ^~~~~~~~~", lines[2]);
        Assert.Equal($"{bad}: 1 error(s), 0 warning(s)", lines[3]);
    }

    [Fact]
    public void Check_fails_on_an_expectation_the_policy_breaks()
    {
        string withExpect = _dir.Write("expect.pol", Figure1.Source + "\nexpect allow smtp(host1.example.com, host2.example.com);\n");
        (int code, _, string error) = CliRunner.Run("policy", "check", withExpect);
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Contains($"{withExpect}:9:1: error: expectation failed: smtp from host1.example.com to host2.example.com is denied", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_names_the_deciding_rule()
    {
        (int code, string output, string error) = CliRunner.Run("policy", "explain", _source,
            "--self", "host1.example.com", "--peer", "mail-gw.example.com", "--flow", "tcp 198.18.1.2:40000 -> 198.18.2.3:25");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(string.Empty, error);
        Assert.Equal(
            """
            inbound tcp 198.18.1.2:40000 -> 198.18.2.3:25, judged at host1.example.com (198.18.2.3); the peer is mail-gw.example.com (198.18.1.2)
              this host is in: inside_net
              the peer is in: inside_net, mail_gw
              line 5: allow smtp(*, mail_gw);
                skipped: this host is not in mail_gw
              line 6: allow smtp(mail_gw, inside_net);
                DECIDES: allow: the service matches, this host is in inside_net and the peer in mail_gw
            verdict: allow

            """, output);
    }

    [Fact]
    public void Explain_shows_why_an_inside_host_cannot_reach_another()
    {
        (int code, string output, _) = CliRunner.Run("policy", "explain", _source,
            "--self", "host2.example.com", "--peer", "host1.example.com", "--flow", "tcp 198.18.1.2:40000 -> 198.18.2.3:25");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("line 6: allow smtp(mail_gw, inside_net);\n    skipped: the peer is not in mail_gw\n", output, StringComparison.Ordinal);
        Assert.Contains("line 8: allow *(inside_net, *);\n    skipped: its local side is *, which means any peer and never the enforcing host\n", output, StringComparison.Ordinal);
        Assert.EndsWith("no rule decides: the default deny does (drop)\nverdict: drop\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_outbound_and_in_clear()
    {
        (int code, string output, _) = CliRunner.Run("policy", "explain", _source,
            "--self", "host1.example.com", "--outbound", "--flow", "udp 198.18.2.3:5000 -> 198.18.9.9:53");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.StartsWith("outbound udp 198.18.2.3:5000 -> 198.18.9.9:53, judged at host1.example.com (198.18.2.3); the peer is a host without a certificate (198.18.9.9)", output, StringComparison.Ordinal);
        Assert.EndsWith("verdict: allow\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tcp 198.18.1.2 -> 198.18.2.3:25", "--flow: '198.18.1.2' needs a port (ADDRESS:PORT, or [IPv6]:PORT)")]
    [InlineData("gre 198.18.1.2 -> 198.18.2.3", "--flow: 'gre' is not a protocol (tcp, udp, sctp, icmp, icmp6)")]
    [InlineData("tcp 198.18.1.2:1 => 198.18.2.3:25", "--flow: 'tcp 198.18.1.2:1 => 198.18.2.3:25' is not a flow; write it as \"tcp 198.18.1.2:1234 -> 198.18.2.3:25\"")]
    [InlineData("tcp 198.18.1.999:1 -> 198.18.2.3:25", "--flow: '198.18.1.999' is not an IP address")]
    public void Explain_refuses_a_bad_flow(string flow, string message)
    {
        (int code, _, string error) = CliRunner.Run("policy", "explain", _source, "--flow", flow);
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Equal($"ipsecfw: {message}\n", error);
    }

    [Fact]
    public void A_missing_source_is_a_plain_error()
    {
        (int code, _, string error) = CliRunner.Run("policy", "check", _dir.File("nope.pol"));
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Equal($"ipsecfw: {_dir.File("nope.pol")}: no such file\n", error);
    }
}
