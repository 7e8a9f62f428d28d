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

    /// <summary>The command exists but is not implemented yet (<c>demo</c>).</summary>
    public const int NotImplemented = 5;

    /// <summary>A bug: an unexpected exception (its message is printed, never a stack trace).</summary>
    public const int InternalError = 70;
}
