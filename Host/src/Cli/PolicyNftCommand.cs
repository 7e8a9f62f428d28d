using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IpsecFw.Host.Daemon;
using IpsecFw.Spd.Distribution;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Nftables;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Cli;

/// <summary>
/// <c>ipsecfw policy nft SRC --self NAME|CERT --address ADDR...</c>: prints the nftables ruleset the daemon would install
/// at that host for traffic in clear (<see cref="NftRulesetBuilder"/>), so an administrator can read it, or check it
/// with <c>nft -c -f</c>, before shipping the policy.
/// </summary>
internal static class PolicyNftCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("SRC") { Description = "The policy source file." };
        var self = new Option<string?>("--self")
        {
            Description = "The host: a certificate file (PEM or DER; its names and dates count, as in the daemon), or a certificate name (CN and DNS name, issued now). Leave out for a host without a certificate.",
        };
        var addresses = new Option<string[]>("--address", "-a") { Description = "This host's addresses (repeat the option).", AllowMultipleArgumentsPerToken = true };
        var table = new Option<string>("--table") { Description = "The table name (firewall.table).", DefaultValueFactory = _ => "ipsecfw" };
        var tun = new Option<string?>("--tun") { Description = "The TUN device whose traffic the daemon judges (tun.name); leave out for none." };
        var ikePort = new Option<int>("--ike-port") { Description = "ike.port.", DefaultValueFactory = _ => 500 };
        var natPort = new Option<int>("--nat-port") { Description = "ike.natPort.", DefaultValueFactory = _ => 4500 };
        var command = new Command("nft", "Prints the nftables ruleset a host enforces on traffic in clear.") { source, self, addresses, table, tun, ikePort, natPort };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(source)!;
            string text = PolicyCommands.ReadText(path);
            CompileResult result = PolicyCompiler.Compile(CompiledPolicy.Canonicalize(text), path);
            PolicyCommands.WriteDiagnostics([.. result.Errors], parse.InvocationConfiguration.Error);
            if (result.Snapshot is not { } snapshot)
            {
                throw new CliException($"{path}: {result.Errors.Count()} error(s); fix them first ('ipsecfw policy check {path}')");
            }

            var local = new List<IPAddress>();
            foreach (string a in parse.GetValue(addresses) ?? [])
            {
                local.Add(IPAddress.TryParse(a, out IPAddress? ip) && !a.Contains('%', StringComparison.Ordinal)
                    ? ip
                    : throw new CliException($"--address: '{a}' is not an IP address"));
            }

            var options = new NftOptions
            {
                Table = parse.GetValue(table)!,
                TunDevice = parse.GetValue(tun),
                IkePort = parse.GetValue(ikePort),
                NatPort = parse.GetValue(natPort),
            };
            if (options.Validate() is { } error)
            {
                throw new CliException(error);
            }

            PolicySnapshot specialised = snapshot.Specialize(Self(parse.GetValue(self)), local);
            parse.InvocationConfiguration.Output.Write(NftRulesetBuilder.Build(specialised, options));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A certificate file's identity when <paramref name="value"/> names a file, else a name's.</summary>
    private static PeerIdentity? Self(string? value)
    {
        if (value is null || !File.Exists(value))
        {
            return PolicyCommands.Identity(value);
        }

        try
        {
            byte[] bytes = File.ReadAllBytes(value);
            string pem = Encoding.ASCII.GetString(bytes);
            using X509Certificate2 certificate = pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)
                ? X509Certificate2.CreateFromPem(pem)
                : X509CertificateLoader.LoadCertificate(bytes);
            return SelfIdentity.FromCertificate(certificate);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new CliException($"--self: '{value}' is a file but not an X.509 certificate (PEM or DER): {e.Message}");
        }
    }
}
