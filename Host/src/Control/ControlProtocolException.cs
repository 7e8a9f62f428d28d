namespace IpsecFw.Host.Control;

/// <summary>The daemon answered with something that is not a valid response (the CLI exits with <c>ExitCodes.DaemonError</c>).</summary>
public sealed class ControlProtocolException : Exception
{
    /// <summary>An exception with a plain message.</summary>
    public ControlProtocolException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>An exception with no message.</summary>
    public ControlProtocolException()
    {
    }

    /// <summary>An exception with a plain message.</summary>
    public ControlProtocolException(string message)
        : base(message)
    {
    }
}
