namespace IpsecFw.Host.Cli;

/// <summary>A failure a command reports as a plain message and an exit code (no stack trace).</summary>
public sealed class CliException : Exception
{
    /// <summary>A failure with <paramref name="exitCode"/> (one of <see cref="ExitCodes"/>).</summary>
    public CliException(string message, int exitCode = ExitCodes.UserError)
        : base(message) => ExitCode = exitCode;

    /// <summary>A user error.</summary>
    public CliException()
        : this("error")
    {
    }

    /// <summary>A user error with a message.</summary>
    public CliException(string message, Exception inner)
        : base(message, inner) => ExitCode = ExitCodes.UserError;

    /// <summary>The exit code.</summary>
    public int ExitCode { get; }
}
