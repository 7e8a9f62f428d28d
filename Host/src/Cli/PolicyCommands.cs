using System.CommandLine;
using System.Globalization;
using IpsecFw.Spd.Distribution;
using IpsecFw.Spd.Language;
using IpsecFw.Spd.Runtime;

namespace IpsecFw.Host.Cli;

/// <summary><c>ipsecfw policy compile|sign|keygen|check|explain|nft</c>: the administrator's tools (no daemon needed).</summary>
internal static class PolicyCommands
{
    /// <summary>How long a bundle is valid when <c>--not-after</c> is not given.</summary>
    public static TimeSpan DefaultValidity { get; } = TimeSpan.FromDays(90);

    public static Command Create() => new("policy", "Compile, sign, check and explain firewall policies.")
    {
        Compile(), Sign(), Keygen(), Check(), Explain(), PolicyNftCommand.Create(),
    };

    private static Command Compile()
    {
        var source = new Argument<string>("SRC") { Description = "The policy source file." };
        var output = new Option<string>("--output", "-o") { Description = "The compiled policy file to write.", Required = true };
        var command = new Command("compile", "Compiles a policy source into a compiled policy file (IFWP).") { source, output };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(source)!;
            string text = ReadText(path);
            CompiledPolicy? compiled;
            CompileResult result;
            try
            {
                compiled = CompiledPolicy.FromSource(text, path, out result);
            }
            catch (ArgumentException e)
            {
                throw new CliException($"{path}: {e.Message}");
            }

            WriteDiagnostics(result.Diagnostics, parse.InvocationConfiguration.Error);
            if (compiled is null)
            {
                throw new CliException($"{path}: {result.Errors.Count()} error(s); nothing written");
            }

            string target = parse.GetValue(output)!;
            WriteFile(target, compiled.Encoded);
            parse.InvocationConfiguration.Output.WriteLine(
                $"wrote {target}: {result.Snapshot!.Rules.Count} rules, source sha256 {compiled.SourceSha256Hex}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Sign()
    {
        var compiledFile = new Argument<string>("COMPILED") { Description = "The compiled policy (from 'policy compile')." };
        var key = new Option<string>("--key", "-k") { Description = "The signer's private key file.", Required = true };
        var version = new Option<ulong>("--version", "-n") { Description = "The bundle serial: greater than every bundle signed before.", Required = true };
        var notAfter = new Option<string?>("--not-after") { Description = "Expiry, ISO 8601 (UTC unless an offset is given); default: 90 days from now." };
        var output = new Option<string>("--output", "-o") { Description = "The bundle file to write.", Required = true };
        var command = new Command("sign", "Signs a compiled policy into a bundle (IFWB) that hosts verify.") { compiledFile, key, version, notAfter, output };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(compiledFile)!;
            byte[] bytes = ReadBytes(path);
            if (!CompiledPolicy.TryLoad(bytes, out CompiledPolicy? policy, out BundleError? error))
            {
                throw new CliException($"{path}: {error.Message} (is it the output of 'ipsecfw policy compile'?)");
            }

            ulong serial = parse.GetValue(version);
            if (serial == 0)
            {
                throw new CliException("--version must be at least 1");
            }

            DateTimeOffset now = TimeProvider.System.GetUtcNow();
            DateTimeOffset expires = now + DefaultValidity;
            if (parse.GetValue(notAfter) is { } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out expires))
                {
                    throw new CliException($"--not-after: '{text}' is not a date and time (ISO 8601, e.g. 2027-01-31T00:00:00Z)");
                }

                if (expires <= now)
                {
                    throw new CliException($"--not-after: {expires:u} is not in the future");
                }
            }

            string keyPath = parse.GetValue(key)!;
            if (!BundlePrivateKey.TryReadFile(keyPath, out BundlePrivateKey? privateKey, out BundleError? keyError))
            {
                throw new CliException(keyError.Message);
            }

            using (privateKey)
            {
                PolicyBundle bundle = BundleSigner.Sign(privateKey, policy, serial, now, expires);
                string target = parse.GetValue(output)!;
                WriteFile(target, bundle.Encoded);
                parse.InvocationConfiguration.Output.WriteLine(
                    $"wrote {target}: serial {serial}, key id {privateKey.PublicKey.KeyIdHex}, expires {expires.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Keygen()
    {
        var output = new Option<string>("--output", "-o") { Description = "The private key file to create (mode 0600); the public key goes to FILE.pub.", Required = true };
        var algorithm = new Option<string>("--algorithm", "-a")
        {
            Description = "The signature algorithm: ed25519 (the default) or ecdsa-p256.",
            DefaultValueFactory = _ => "ed25519",
        };
        algorithm.AcceptOnlyFromAmong("ed25519", "ecdsa-p256");
        var command = new Command("keygen", "Makes a key pair (Ed25519 or ECDSA P-256) for signing policy bundles.") { output, algorithm };
        command.SetAction(parse =>
        {
            string target = parse.GetValue(output)!;
            BundleAlgorithm chosen = parse.GetValue(algorithm) == "ecdsa-p256" ? BundleAlgorithm.EcdsaP256 : BundleAlgorithm.Ed25519;
            string publicPath = target + ".pub";
            foreach (string p in new[] { target, publicPath })
            {
                if (File.Exists(p))
                {
                    throw new CliException($"{p} exists already; refusing to overwrite a key");
                }
            }

            using BundlePrivateKey key = BundleSigner.GenerateKeyPair(chosen);
            try
            {
                key.WriteKeyFile(target);
                File.WriteAllText(publicPath, key.PublicKey.ToKeyFile());
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(publicPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"cannot write the key: {e.Message}");
            }

            parse.InvocationConfiguration.Output.WriteLine(
                $"wrote {key.PublicKey.AlgorithmName} private key {target} (keep it off the hosts) and public key {publicPath} (key id {key.PublicKey.KeyIdHex})");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Check()
    {
        var source = new Argument<string>("SRC") { Description = "The policy source file." };
        var command = new Command("check", "Compiles a policy and plays its 'expect' lines; prints file:line:col diagnostics.") { source };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(source)!;
            string text = ReadText(path);
            IReadOnlyList<Diagnostic> diagnostics = PolicyChecker.Check(text, path, TimeProvider.System.GetUtcNow());
            WriteDiagnostics(diagnostics, parse.InvocationConfiguration.Error);
            int errors = diagnostics.Count(d => d.IsError);
            int warnings = diagnostics.Count - errors;
            if (errors > 0)
            {
                parse.InvocationConfiguration.Error.WriteLine($"{path}: {errors} error(s), {warnings} warning(s)");
                return ExitCodes.UserError;
            }

            parse.InvocationConfiguration.Output.WriteLine($"{path}: ok ({warnings} warning(s))");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Explain()
    {
        var source = new Argument<string>("SRC") { Description = "The policy source file." };
        var self = new Option<string?>("--self") { Description = "The certificate name (CN and DNS name) of the host that judges the flow; leave out for a host without a certificate." };
        var flow = new Option<string>("--flow") { Description = "The flow: \"tcp 198.18.1.2:1234 -> 198.18.2.3:25\".", Required = true };
        var peer = new Option<string?>("--peer") { Description = "The certificate name of the other end; leave out for traffic in clear." };
        var outbound = new Option<bool>("--outbound") { Description = "Judge the flow as it leaves this host (it is the source); default: as it arrives (it is the destination)." };
        var command = new Command("explain", "Says which rule decides a flow at a host, and why.") { source, self, flow, peer, outbound };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(source)!;
            string text = ReadText(path);
            CompileResult result = PolicyCompiler.Compile(CompiledPolicy.Canonicalize(text), path);
            WriteDiagnostics(result.Errors.ToList(), parse.InvocationConfiguration.Error);
            if (result.Snapshot is not { } snapshot)
            {
                throw new CliException($"{path}: {result.Errors.Count()} error(s); fix them first ('ipsecfw policy check {path}')");
            }

            if (!FlowSpec.TryParse(parse.GetValue(flow)!, out FlowSpec? spec, out string flowError))
            {
                throw new CliException("--flow: " + flowError);
            }

            (Verdict _, IReadOnlyList<string> lines) = PolicyExplainer.Explain(
                snapshot, CompiledPolicy.Canonicalize(text).Split('\n'), spec!, !parse.GetValue(outbound),
                Identity(parse.GetValue(self)), Identity(parse.GetValue(peer)));
            foreach (string line in lines)
            {
                parse.InvocationConfiguration.Output.WriteLine(line);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>A certificate identity for a name (CN and DNS SAN), or for a distinguished name when it holds '='.</summary>
    internal static PeerIdentity? Identity(string? name)
    {
        if (name is null)
        {
            return null;
        }

        string? cn = name.Contains('=', StringComparison.Ordinal)
            ? name.Split(',').Select(p => p.Trim()).FirstOrDefault(p => p.StartsWith("CN=", StringComparison.OrdinalIgnoreCase))?[3..]
            : name;
        DateTimeOffset now = TimeProvider.System.GetUtcNow();
        return new PeerIdentity
        {
            SubjectDn = name.Contains('=', StringComparison.Ordinal) ? name : "CN=" + name,
            CommonName = cn,
            DnsNames = cn is null ? [] : [cn],
            NotBefore = now,
            NotAfter = now.AddYears(1),
        };
    }

    internal static void WriteDiagnostics(IReadOnlyList<Diagnostic> diagnostics, TextWriter error)
    {
        foreach (Diagnostic d in diagnostics)
        {
            error.WriteLine(d.Format());
        }
    }

    internal static string ReadText(string path) => System.Text.Encoding.UTF8.GetString(ReadBytes(path));

    private static byte[] ReadBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new CliException($"{path}: no such file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{path}: cannot be read ({e.Message})");
        }
    }

    private static void WriteFile(string path, ReadOnlySpan<byte> bytes)
    {
        try
        {
            File.WriteAllBytes(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{path}: cannot be written ({e.Message})");
        }
    }
}
