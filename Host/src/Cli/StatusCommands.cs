using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IpsecFw.Host.Configuration;
using IpsecFw.Host.Control;

namespace IpsecFw.Host.Cli;

/// <summary><c>ipsecfw status</c>, <c>sas</c>, <c>reload</c> and <c>terminate</c>: requests to the running daemon over the control socket.</summary>
internal static class StatusCommands
{
    /// <summary>How long the CLI waits for the daemon.</summary>
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(10);

    public static IEnumerable<Command> Create()
    {
        yield return Make("status", "Shows the daemon's version, uptime, policy and counters.", "status", (r, json, o) =>
        {
            if (json)
            {
                o.WriteLine(JsonSerializer.Serialize(r.Status!, ControlJsonContext.Default.StatusReport));
            }
            else
            {
                StatusFormatter.WriteStatus(r.Status!, o);
            }
        });
        yield return Make("sas", "Lists the IKE SAs and their CHILD SAs.", "sas", (r, json, o) =>
        {
            if (json)
            {
                o.WriteLine(JsonSerializer.Serialize(r.Sas ?? [], ControlJsonContext.Default.IReadOnlyListIkeSaInfo));
            }
            else
            {
                StatusFormatter.WriteSas(r.Sas ?? [], o);
            }
        });
        yield return Make("reload", "Reloads the configuration (peers included) and the policy (as SIGHUP does).", "reload", (r, json, o) =>
            o.WriteLine(r.Message ?? "reloaded"));
        var peer = new Option<string>("--peer", "-p") { Description = "The configured peer whose SAs are deleted.", Required = true };
        var children = new Option<bool>("--children") { Description = "Deletes the peer's CHILD_SAs only; its IKE SA stays (traffic to a trapped peer then asks for a new CHILD_SA)." };
        Command terminate = Make("terminate", "Deletes a peer's SAs with INFORMATIONAL DELETE (a peer with startAction start is started again).", "terminate",
            (r, json, o) => o.WriteLine(r.Message ?? "terminated"), [peer, children],
            parse => new ControlRequest { Command = "terminate", Peer = parse.GetValue(peer), ChildrenOnly = parse.GetValue(children) });
        yield return terminate;
    }

    private static Command Make(string name, string description, string request, Action<ControlResponse, bool, TextWriter> print,
        Option[]? extra = null, Func<ParseResult, ControlRequest>? build = null)
    {
        var json = new Option<bool>("--json") { Description = "Prints JSON instead of text." };
        var socket = new Option<string?>("--socket", "-s") { Description = $"The control socket (default: from --config, else {ControlOptions.DefaultSocket})." };
        var config = new Option<string?>("--config", "-c") { Description = "Read the control socket path from this configuration file." };
        var command = new Command(name, description) { json, socket, config };
        foreach (Option option in extra ?? [])
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            string path = SocketPath(parse.GetValue(socket), parse.GetValue(config));
            ControlResponse response;
            try
            {
                ControlRequest message = build is null ? new ControlRequest { Command = request } : build(parse);
                response = await ControlClient.SendAsync(path, message, Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (ControlUnreachableException e)
            {
                throw new CliException(e.Message, ExitCodes.DaemonUnreachable);
            }
            catch (ControlProtocolException e)
            {
                throw new CliException(e.Message, ExitCodes.DaemonError);
            }

            if (!response.Ok)
            {
                throw new CliException($"the daemon says: {response.Error}", ExitCodes.DaemonError);
            }

            print(response, parse.GetValue(json), parse.InvocationConfiguration.Output);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string SocketPath(string? socket, string? configFile)
    {
        if (socket is not null)
        {
            return socket;
        }

        if (configFile is null)
        {
            return ControlOptions.DefaultSocket;
        }

        ConfigLoadResult loaded = ConfigLoader.Load(configFile);
        return loaded.Succeeded
            ? loaded.Config!.Control.Socket
            : throw new CliException(string.Join(Environment.NewLine, loaded.FormatErrors()));
    }
}
