namespace IpsecFw.Host.Control;

/// <summary>No daemon could be reached on the control socket (the CLI exits with <c>ExitCodes.DaemonUnreachable</c>).</summary>
public sealed class ControlUnreachableException : Exception
{
    /// <summary>An exception with a plain message.</summary>
    public ControlUnreachableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>An exception with no message.</summary>
    public ControlUnreachableException()
    {
    }

    /// <summary>An exception with a plain message.</summary>
    public ControlUnreachableException(string message)
        : base(message)
    {
    }
}
