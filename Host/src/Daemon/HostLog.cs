using Microsoft.Extensions.Logging;

namespace IpsecFw.Host.Daemon;

/// <summary>The daemon's log records, with stable event ids (1000s: control socket, 2000s: policy, 3000s: lifecycle, 4000s: IKE and the data path).</summary>
internal static partial class HostLog
{
    [LoggerMessage(1000, LogLevel.Information, "Control socket listening on {Path}")]
    public static partial void ControlListening(ILogger logger, string path);

    [LoggerMessage(1001, LogLevel.Warning, "The control socket's directory {Directory} is writable by others; the socket's mode 0600 and the peer credential check still guard it")]
    public static partial void SocketDirectoryShared(ILogger logger, string directory);

    [LoggerMessage(1002, LogLevel.Warning, "Control socket accept failed: {Error}")]
    public static partial void AcceptFailed(ILogger logger, string error);

    [LoggerMessage(1003, LogLevel.Warning, "Control client refused: {Reason}")]
    public static partial void ClientRefused(ILogger logger, string reason);

    [LoggerMessage(1004, LogLevel.Debug, "Control client closed: {Reason}")]
    public static partial void ClientClosed(ILogger logger, string reason);

    [LoggerMessage(1005, LogLevel.Warning, "Malformed control request, closing the connection: {Error}")]
    public static partial void MalformedFrame(ILogger logger, string error);

    [LoggerMessage(1006, LogLevel.Error, "Control command {Command} failed")]
    public static partial void HandlerFailed(ILogger logger, string command, Exception exception);

    [LoggerMessage(2000, LogLevel.Information, "Policy loaded: {Origin} version {Version}, {Rules} rules, sha256 {Sha256}, from {Path}")]
    public static partial void PolicyLoaded(ILogger logger, string origin, long version, int rules, string sha256, string path);

    [LoggerMessage(2001, LogLevel.Error, "Policy refused, the running policy stays: {Reason}")]
    public static partial void PolicyRefused(ILogger logger, string reason);

    [LoggerMessage(2002, LogLevel.Error, "Policy diagnostic: {Diagnostic}")]
    public static partial void PolicyDiagnostic(ILogger logger, string diagnostic);

    [LoggerMessage(2003, LogLevel.Warning, "Policy warning: {Warning}")]
    public static partial void PolicyWarning(ILogger logger, string warning);

    [LoggerMessage(2004, LogLevel.Information, "Policy unchanged ({Reason})")]
    public static partial void PolicyUnchanged(ILogger logger, string reason);

    [LoggerMessage(3000, LogLevel.Information, "ipsecfw {Version} started (pid {Pid}, config {Config})")]
    public static partial void Started(ILogger logger, string version, int pid, string config);

    [LoggerMessage(3001, LogLevel.Information, "Reload requested ({Trigger})")]
    public static partial void ReloadRequested(ILogger logger, string trigger);

    [LoggerMessage(3002, LogLevel.Error, "Configuration reload refused, the running configuration stays: {Error}")]
    public static partial void ConfigRefused(ILogger logger, string error);

    [LoggerMessage(3003, LogLevel.Warning, "The new configuration changes {Setting}, which takes effect at the next start")]
    public static partial void NeedsRestart(ILogger logger, string setting);

    [LoggerMessage(3004, LogLevel.Information, "Stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(3005, LogLevel.Warning, "No peers are configured: no IKE engine runs, no SA is negotiated, and 'ipsecfw sas' lists none")]
    public static partial void NoIkeEngine(ILogger logger);

    [LoggerMessage(4000, LogLevel.Information, "IKE listening on {Local}:{Port} and {NatPort}; TUN {Device} (MTU {Mtu}); {Peers} peers, responder for {Responder}")]
    public static partial void IkeStarted(ILogger logger, string local, int port, int natPort, string device, int mtu, int peers, string responder);

    [LoggerMessage(4001, LogLevel.Information, "Initiating to peer {Peer} at {Remote}")]
    public static partial void Initiating(ILogger logger, string peer, string remote);

    [LoggerMessage(4002, LogLevel.Information, "IKE SA with peer {Peer} ({Identity}) established")]
    public static partial void SaEstablished(ILogger logger, string peer, string identity);

    [LoggerMessage(4003, LogLevel.Information, "IKE SA with peer {Peer} closed: {Reason}")]
    public static partial void SaClosed(ILogger logger, string peer, string reason);

    [LoggerMessage(4004, LogLevel.Information, "Re-initiating to peer {Peer} in {DelaySeconds} s")]
    public static partial void Reconnecting(ILogger logger, string peer, double delaySeconds);

    [LoggerMessage(4005, LogLevel.Warning, "Initiating to peer {Peer} failed: {Error}")]
    public static partial void InitiateFailed(ILogger logger, string peer, string error);

    [LoggerMessage(4006, LogLevel.Information, "IKE stopped: SAs deleted, data path stopped, TUN {Device} removed")]
    public static partial void IkeStopped(ILogger logger, string device);

    [LoggerMessage(4007, LogLevel.Warning, "IKE stop: {Step} did not finish within its bound")]
    public static partial void StopStepTimedOut(ILogger logger, string step);

    [LoggerMessage(4008, LogLevel.Warning, "tun.offload: the kernel refused TUN offloads on {Device} ({Error}); running without them")]
    public static partial void TunOffloadRefused(ILogger logger, string device, string error);

    [LoggerMessage(4020, LogLevel.Warning, "Peer {Peer}: no established IKE SA to create a CHILD_SA dedicated to {Program} on; its flows wait (keyed_sa_pending)")]
    public static partial void DedicatedSaNotStarted(ILogger logger, string peer, string program);
}
