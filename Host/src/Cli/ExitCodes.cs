namespace IpsecFw.Host.Cli;

/// <summary>The exit codes of <c>ipsecfw</c> (also in <c>Host/README.md</c>).</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>A user error: bad arguments, a missing or bad file, a configuration with errors, a policy with errors.</summary>
    public const int UserError = 1;

    /// <summary>No daemon answers on the control socket.</summary>
    public const int DaemonUnreachable = 2;

    /// <summary>The daemon answered with an error (for <c>reload</c>: something was refused), or with something invalid.</summary>
    public const int DaemonError = 3;

    /// <summary><c>run</c>: the daemon could not start (no policy to enforce, the control socket is taken).</summary>
    public const int StartFailed = 4;

    /// <summary><c>demo</c>: some connection's verdict differs from the paper's.</summary>
    public const int DemoMismatch = 5;

    /// <summary><c>demo</c>: it cannot run here (not root, not Linux, a tool or <c>/dev/net/tun</c> missing).</summary>
    public const int DemoCannotRun = 6;

    /// <summary><c>demo</c>: the organisation could not be built or did not come up (a daemon did not start, the SAs did not come up).</summary>
    public const int DemoSetupFailed = 7;

    /// <summary><c>demo</c>: interrupted (SIGINT or SIGTERM); what it made was removed.</summary>
    public const int DemoInterrupted = 130;

    /// <summary>A bug: an unexpected exception (its message is printed, never a stack trace).</summary>
    public const int InternalError = 70;
}
